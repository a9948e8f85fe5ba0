package org.medfusion.models;

import org.medfusion.backbones.TrainableModel;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.MalformedModelException;
import ai.djl.nn.Block;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.checkpoint.GradMode;
import org.medfusion.checkpoint.SequenceForward;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.platform.EnumLabels;

/**
 * MedFusion's multi-view classifier (the seed's scenario 4): input (B, views, C, H, W); every view
 * goes through one shared backbone (features of width {@code featureDim}), the views are
 * aggregated (mean, max, or attention: a learned score per view, softmax over views, weighted sum)
 * and a linear layer gives the class scores. Checkpointing is switched on the backbone
 * ({@link #backbone()}), as in the seed ({@code model.backbone.enable_gradient_checkpointing()}).
 */
public final class MultiViewClassifier implements TrainableModel, AutoCloseable {

    /** How the per-view features are combined. */
    public enum Aggregation {
        MEAN, MAX, ATTENTION;

        /** Parses {@code mean}, {@code max} or {@code attention} (any case); one-line error otherwise. */
        public static Aggregation parse(String label) {
            return EnumLabels.parseIgnoringCase(values(), a -> a.name().toLowerCase(java.util.Locale.ROOT), "aggregation", label);
        }
    }

    private final Backbone backbone;
    private final int numViews;
    private final Aggregation aggregation;
    private final Linear attentionScore;
    private final Linear classifier;

    /**
     * @param backboneName a registered model name
     * @param featureDim width of the backbone's feature projection (the seed uses 128)
     */
    public MultiViewClassifier(String backboneName, int numClasses, int numViews, Aggregation aggregation, int featureDim,
            BackboneOptions options) {
        if (numViews < 1) {
            throw new IllegalArgumentException("numViews must be >= 1, got " + numViews);
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        if (featureDim < 1) {
            throw new IllegalArgumentException("featureDim must be >= 1, got " + featureDim);
        }
        this.aggregation = java.util.Objects.requireNonNull(aggregation, "aggregation");
        this.numViews = numViews;
        this.backbone = BackboneRegistry.create(backboneName, options.withFeatureDim(featureDim));
        this.attentionScore = this.aggregation == Aggregation.ATTENTION ? Linear.builder().setUnits(1).build() : null;
        this.classifier = Linear.builder().setUnits(numClasses).build();
        NDManager m = backbone.manager();
        if (attentionScore != null) {
            attentionScore.initialize(m, DataType.FLOAT32, new Shape(1, numViews, featureDim));
        }
        classifier.initialize(m, DataType.FLOAT32, new Shape(1, featureDim));
    }

    public Backbone backbone() {
        return backbone;
    }

    public int numViews() {
        return numViews;
    }

    @Override
    public SequenceForward forwardTraining(ParameterStore ps, NDArray input, long step, NDManager stepManager) {
        Shape s = checkShape(input);
        SequenceForward features = backbone.forwardTraining(ps, input.reshape(s.get(0) * s.get(1), s.get(2), s.get(3), s.get(4)),
                step, stepManager);
        NDArray logits;
        try (GradMode g = GradMode.enabled()) {
            logits = head(ps, features.output(), s.get(0), true);
        }
        return new SequenceForward() {
            @Override
            public NDArray output() {
                return logits;
            }

            @Override
            public void backward(NDArray loss) {
                features.backward(loss); // the loss's graph runs through the head into the backbone's last segment
            }
        };
    }

    @Override
    public NDArray forwardInference(ParameterStore ps, NDArray input, NDManager resultManager) {
        Shape s = checkShape(input);
        NDArray f = backbone.forwardInference(ps, input.reshape(s.get(0) * s.get(1), s.get(2), s.get(3), s.get(4)), resultManager);
        try (GradMode g = GradMode.disabled()) {
            return head(ps, f, s.get(0), false);
        }
    }

    private NDArray head(ParameterStore ps, NDArray flatFeatures, long batch, boolean training) {
        NDArray f = flatFeatures.reshape(batch, numViews, flatFeatures.getShape().get(1));
        NDArray pooled;
        switch (aggregation) {
            case MEAN:
                pooled = f.mean(new int[] {1});
                break;
            case MAX:
                pooled = f.max(new int[] {1});
                break;
            default:
                NDArray weights = attentionScore.forward(ps, new NDList(f), training).singletonOrThrow().softmax(1);
                pooled = f.mul(weights).sum(new int[] {1});
        }
        return classifier.forward(ps, new NDList(pooled), training).singletonOrThrow();
    }

    private Shape checkShape(NDArray input) {
        Shape s = input.getShape();
        if (s.dimension() != 5 || s.get(1) != numViews) {
            throw new IllegalArgumentException("input must be (batch, " + numViews + " views, channels, height, width), got " + s);
        }
        return s;
    }

    @Override
    public List<Parameter> trainableParameters() {
        List<Parameter> out = new ArrayList<>(backbone.trainableParameters());
        out.addAll(Backbone.trainableParameters(attentionScore == null ? List.of(classifier) : List.of(attentionScore, classifier)));
        return out;
    }

    /** The head's blocks in file order: the attention score (attention aggregation only), then the classifier. */
    private List<Block> headBlocks() {
        return attentionScore == null ? List.of(classifier) : List.of(attentionScore, classifier);
    }

    /**
     * Saves the head (attention score and classifier parameters) after a header naming the backbone, views and
     * aggregation, atomically; the backbone's own weights go through {@link Backbone#saveWeights}.
     */
    public void saveHead(Path file) throws IOException {
        try {
            AtomicFiles.write(file, os -> {
                DataOutputStream out = new DataOutputStream(os);
                out.writeUTF(HEAD_MAGIC);
                out.writeUTF(headDescription());
                for (Block b : headBlocks()) {
                    b.saveParameters(out);
                }
                out.flush();
            });
        } catch (UncheckedIOException e) {
            throw new IOException(e.getMessage(), e.getCause());
        }
    }

    /** Loads a head written by {@link #saveHead} for the same backbone, views and aggregation. */
    public void loadHead(Path file) throws IOException {
        try (InputStream is = new BufferedInputStream(Files.newInputStream(file)); DataInputStream in = new DataInputStream(is)) {
            String magic = in.readUTF();
            String description = in.readUTF();
            if (!HEAD_MAGIC.equals(magic) || !headDescription().equals(description)) {
                throw new IOException("head file " + file + " holds " + description + ", not " + headDescription());
            }
            for (Block b : headBlocks()) {
                b.loadParameters(backbone.manager(), in);
            }
        } catch (MalformedModelException e) {
            throw new IOException("head file " + file + " is malformed: " + e.getMessage(), e);
        }
    }

    private static final String HEAD_MAGIC = "medfusion-multiview-head-v1";

    private String headDescription() {
        return backbone.name() + ", " + numViews + " views, " + aggregation.name().toLowerCase(java.util.Locale.ROOT) + " aggregation";
    }

    @Override
    public void close() {
        backbone.close();
    }
}
