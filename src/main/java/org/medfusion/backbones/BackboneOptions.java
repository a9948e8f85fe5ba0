package org.medfusion.backbones;

import java.nio.file.Path;

/**
 * Construction options of a backbone, mirroring MedFusion's {@code create_backbone(name,
 * pretrained, feature_dim)}.
 *
 * @param pretrained load weights from {@code weightsDir/<model>.params} (see {@link Backbone#saveWeights})
 * @param featureDim 0 keeps the {@code numClasses}-way classifier; a positive width replaces the
 *     classifier's last linear layer with a projection of that width (the seed uses 128)
 * @param numClasses classifier width when featureDim is 0 (torchvision's 1000 by default)
 * @param imageSize input resolution the model is built for (transformers size their positional
 *     tables and windows from it; CNNs accept any size >= 32 regardless)
 * @param weightsDir where pretrained weights are looked up
 * @param seed seed of the parameter initialisation and of the per-block random streams
 * @param torchvisionWeights a torchvision state dict as safetensors ({@code --weights}), loaded by torchvision's names
 *     after initialisation ({@link org.medfusion.backbones.weights.TorchvisionWeights}); null for none
 */
public record BackboneOptions(boolean pretrained, int featureDim, int numClasses, int imageSize, Path weightsDir, long seed,
        Path torchvisionWeights) {

    public static final int DEFAULT_IMAGE_SIZE = 224;

    public BackboneOptions {
        if (featureDim < 0) {
            throw new IllegalArgumentException("featureDim must be >= 0 (0 = keep the classifier), got " + featureDim);
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        if (imageSize < 1) {
            throw new IllegalArgumentException("imageSize must be >= 1, got " + imageSize);
        }
    }

    /** torchvision defaults: 1000 classes, 224 px, random init, seed 42. */
    public static BackboneOptions defaults() {
        return new BackboneOptions(false, 0, 1000, DEFAULT_IMAGE_SIZE, defaultWeightsDir(), 42L, null);
    }

    /** {@code $MEDFUSION_WEIGHTS_DIR}, else {@code ~/.medfusion/weights}. */
    public static Path defaultWeightsDir() {
        String env = System.getenv("MEDFUSION_WEIGHTS_DIR");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".medfusion", "weights");
    }

    /** Width of the last layer's output: the projection width if set, else the class count. */
    public int outputDim() {
        return featureDim > 0 ? featureDim : numClasses;
    }

    public BackboneOptions withPretrained(boolean value) {
        return new BackboneOptions(value, featureDim, numClasses, imageSize, weightsDir, seed, torchvisionWeights);
    }

    public BackboneOptions withFeatureDim(int value) {
        return new BackboneOptions(pretrained, value, numClasses, imageSize, weightsDir, seed, torchvisionWeights);
    }

    public BackboneOptions withNumClasses(int value) {
        return new BackboneOptions(pretrained, featureDim, value, imageSize, weightsDir, seed, torchvisionWeights);
    }

    public BackboneOptions withImageSize(int value) {
        return new BackboneOptions(pretrained, featureDim, numClasses, value, weightsDir, seed, torchvisionWeights);
    }

    public BackboneOptions withWeightsDir(Path value) {
        return new BackboneOptions(pretrained, featureDim, numClasses, imageSize, value, seed, torchvisionWeights);
    }

    public BackboneOptions withSeed(long value) {
        return new BackboneOptions(pretrained, featureDim, numClasses, imageSize, weightsDir, value, torchvisionWeights);
    }

    /** A torchvision safetensors file to load after initialisation (null: none). */
    public BackboneOptions withTorchvisionWeights(Path value) {
        return new BackboneOptions(pretrained, featureDim, numClasses, imageSize, weightsDir, seed, value);
    }
}
