package org.medfusion.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.backbones.layers.TrainingNoise;
import org.medfusion.reference.TorchPython;
import org.medfusion.train.TrainingStep;

/**
 * Numerical parity with PyTorch itself: for a model of every family, torchvision's weights (its random init, written by
 * {@code scripts/torch_parity.py} as safetensors) loaded by torchvision's names give, on the same input, eval-mode
 * logits equal to torchvision's within 1e-4 relative (max |ours - theirs| / max |theirs|), and one training forward
 * and backward (BatchNorm on batch statistics, dropout and stochastic depth off on both sides) the same loss and every
 * parameter's gradient within 1e-4 relative (to the larger of its own scale and 1e-3 of the model's largest gradient,
 * see {@link #GRADIENT_FLOOR}). Tiny inputs (batch 2, 64 px; 32 px for ViT, 224 for MaxViT, whose
 * partitions need it) keep it to a few minutes on 2 cores. Not 32 px for CNNs: their last stage is then 1x1, and
 * BatchNorm over 2 values per channel is so ill-conditioned that float32 summation order alone moves a gradient by 1e-3.
 *
 * <p>The reference is the machine's torch and torchvision (Debian's python3-torch 1.13 / python3-torchvision 0.14 in
 * CI, {@code .ci/run} installs them); without them the test is skipped with a message saying what was tried. Models
 * the installed torchvision lacks are skipped by name. {@code -Dparity.models=all} (or a comma list) checks every
 * registered model instead of one per family.
 */
class TorchParityTest {

    static final double TOLERANCE = 1e-4;

    /** One model per family, the smallest. */
    static final List<String> PER_FAMILY = List.of("resnet18", "mobilenet_v3_small", "efficientnet_b0", "efficientnet_v2_s",
            "regnet_y_400mf", "vit_b_32", "swin_t", "convnext_tiny", "maxvit_t");

    static TorchPython python;
    static String notFound;
    static List<String> missing = List.of();

    @TempDir
    static Path dir;

    static List<String> models() {
        String p = System.getProperty("parity.models", "");
        if (p.isBlank()) {
            return PER_FAMILY;
        }
        return p.equals("all") ? BackboneRegistry.names() : List.of(p.split(","));
    }

    @BeforeAll
    static void findTorch() {
        List<String> tried = new ArrayList<>();
        Optional<TorchPython> found = TorchPython.find(null, tried);
        if (found.isPresent()) {
            python = found.get();
            missing = python.missingModels(models());
            System.out.println("parity reference: " + python.describe() + (missing.isEmpty() ? ""
                    : "; this torchvision lacks " + String.join(", ", missing)));
        } else {
            notFound = "no python3 with torch and torchvision (tried " + String.join("; ", tried)
                    + "): apt-get install -y python3-torch python3-torchvision, or -Dmedfusion.python=...";
            System.out.println("parity reference: " + notFound);
        }
    }

    static int res(String model) {
        if (model.startsWith("maxvit")) {
            return 224;
        }
        return model.startsWith("vit") ? 32 : 64;
    }

    /**
     * A gradient smaller than this fraction of the model's largest is compared at that floor, not at its own scale:
     * some gradients are analytically zero and float noise on both sides (a BatchNorm bias whose output reaches a
     * train-mode BatchNorm only through a 1x1 convolution: the second BatchNorm removes any per-channel shift;
     * MobileNetV3's torchvision gradient there is 1e-9 against a largest of 0.5).
     */
    static final double GRADIENT_FLOOR = 1e-3;

    /** max |a - b| / max |b|: the error of ours ({@code a}) relative to the reference's scale. */
    static double relError(float[] a, float[] b) {
        return relError(a, b, 0);
    }

    /** As {@link #relError(float[], float[])}, the scale at least {@code floor}. */
    static double relError(float[] a, float[] b, double floor) {
        assertEquals(b.length, a.length, "element count");
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs((double) a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        scale = Math.max(scale, floor);
        return scale == 0 ? diff : diff / scale;
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    @ParameterizedTest
    @MethodSource("models")
    void logitsLossAndGradientsEqualTorchvision(String model) {
        assumeTrue(python != null, notFound);
        assumeTrue(!missing.contains(model), "torchvision " + (python == null ? "" : python.torchvisionVersion()) + " lacks " + model);
        int res = res(model);
        Path out = dir.resolve(model);
        python.runScript(Path.of("scripts", "torch_parity.py"),
                List.of(model, out.toString(), "--res", String.valueOf(res), "--batch", "2", "--threads", "1"), 600);
        SafeTensors.Contents expected = SafeTensors.read(out.resolve("expected.safetensors"));
        String previous = System.getProperty(TrainingNoise.PROPERTY);
        try (Backbone b = BackboneRegistry.create(model, BackboneOptions.defaults().withImageSize(res)
                .withTorchvisionWeights(out.resolve("weights.safetensors")));
                NDManager m = b.manager().newSubManager()) {
            SafeTensors.Tensor in = expected.tensors().get("input");
            NDArray x = m.create(in.floats(), new Shape(in.shape()));
            float[] ys = expected.tensors().get("labels").floats();
            long[] yl = new long[ys.length];
            for (int i = 0; i < ys.length; i++) {
                yl[i] = (long) ys[i];
            }
            NDArray y = m.create(yl).toType(DataType.INT64, false);
            TrainingStep step = new TrainingStep(b, m);

            double evalErr = relError(b.forwardInference(step.parameterStore(), x, m).toFloatArray(),
                    expected.tensors().get("eval_logits").floats());

            System.setProperty(TrainingNoise.PROPERTY, "off");
            float loss = step.computeGradients(x, y);
            float theirLoss = expected.tensors().get("loss").floats()[0];
            double lossErr = Math.abs(loss - theirLoss) / Math.abs(theirLoss);
            double largest = 0;
            for (SafeTensors.Tensor t : expected.tensors().values()) {
                if (t.name().startsWith("grad.")) {
                    largest = Math.max(largest, maxAbs(t.floats()));
                }
            }
            double worst = 0;
            String worstName = "";
            int compared = 0;
            for (TorchvisionWeights.Binding bind : TorchvisionWeights.bindings(b)) {
                SafeTensors.Tensor g = expected.tensors().get("grad." + bind.torchName());
                if (g == null) {
                    continue; // a buffer
                }
                double e = relError(step.gradientOf(bind.parameter()), g.floats(), GRADIENT_FLOOR * largest);
                compared++;
                if (e > worst) {
                    worst = e;
                    worstName = bind.torchName();
                }
            }
            System.out.printf(Locale.ROOT, "parity %s at %d px: eval logits %.2e, loss %.2e, gradients %.2e (worst %s), %d gradients%n",
                    model, res, evalErr, lossErr, worst, worstName, compared);
            assertTrue(compared > 0 && compared == b.trainableParameters().size(), model + ": compared " + compared + " of "
                    + b.trainableParameters().size() + " gradients");
            assertTrue(evalErr <= TOLERANCE, model + ": eval logits differ from torchvision's by " + evalErr + " relative");
            assertTrue(lossErr <= TOLERANCE, model + ": loss " + loss + " vs torchvision's " + theirLoss);
            assertTrue(worst <= TOLERANCE, model + ": gradient of " + worstName + " differs by " + worst + " relative");
        } finally {
            if (previous == null) {
                System.clearProperty(TrainingNoise.PROPERTY);
            } else {
                System.setProperty(TrainingNoise.PROPERTY, previous);
            }
        }
    }
}
