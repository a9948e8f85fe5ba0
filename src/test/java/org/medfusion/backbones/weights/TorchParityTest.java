package org.medfusion.backbones.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.backbones.layers.TrainingNoise;
import org.medfusion.checkpoint.GradMode;
import org.medfusion.checkpoint.SequenceForward;
import org.medfusion.reference.TorchPython;
import org.medfusion.train.CrossEntropy;
import org.medfusion.train.TrainingStep;

/**
 * Numerical parity with PyTorch itself: for a model of every family, torchvision's weights (its random init, written by
 * {@code scripts/torch_parity.py} as safetensors) loaded by torchvision's names give, on the same input, eval-mode
 * logits equal to torchvision's within 1e-4 relative (max |ours - theirs| / max |theirs|), and one training forward
 * and backward (BatchNorm on batch statistics, dropout and stochastic depth off on both sides) the same loss and every
 * parameter's gradient within 1e-4 relative (to the larger of its own scale and 1e-3 of the model's largest gradient,
 * see {@link #GRADIENT_FLOOR}), or within twice torchvision's own float32 error where float32 itself is that far from
 * float64 ({@link #allowed}: RegNet's BatchNorms over a 2x2 map move some gradients by 15% in torch itself). Tiny inputs (batch 2, 64 px; 32 px for ViT, 224 for MaxViT, whose
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

    /**
     * One model per family, the smallest. EfficientNetV2 is checked in float64 only
     * ({@link #inFloat64OursEqualsTorchvisionWhereFloat32CannotTell}): in float32 its worst gradient sits at 1.08e-4 of
     * torchvision's (allowance 1e-4), and in float64 both agree to 4.8e-7, so that is float32 rounding
     * ({@code -Dparity.models=efficientnet_v2_s} runs the float32 comparison).
     */
    static final List<String> PER_FAMILY = List.of("resnet18", "mobilenet_v3_small", "efficientnet_b0",
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

    /** The input size of {@code model}'s comparison: {@code -Dparity.res} when given (a larger map for BatchNorm), else the default. */
    static int res(String model) {
        Integer forced = Integer.getInteger("parity.res");
        if (forced != null) {
            return forced;
        }
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

    /**
     * The tolerance of one figure: 1e-4, or twice torchvision's own float32 error on it against float64 where that is
     * larger (if ours is as close to the exact value as torch's float32 is, the two differ by at most twice that).
     */
    static double allowed(SafeTensors.Contents expected, String noiseKey) {
        SafeTensors.Tensor n = expected.tensors().get(noiseKey);
        return n == null ? TOLERANCE : Math.max(TOLERANCE, 2 * n.floats()[0]);
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
        Outcome first = compare(model, res, out, false);
        // beyond 1e-4: is torch's own float32 that far from float64 here? (a second run adds its float64 step: slow, so
        // only when needed)
        Outcome o = first.within() ? first : compare(model, res, out, true);
        System.out.println(o.line());
        assertTrue(o.compared() > 0 && o.compared() == o.trainable(), model + ": compared " + o.compared() + " of " + o.trainable()
                + " gradients");
        assertTrue(o.within(), o.line());
    }

    /**
     * The issue's {@code --weights} round trip: a torchvision state dict of ResNet-50, ViT-B/16 and Swin-T, written as
     * safetensors by torchvision's names, loads into ours and gives torchvision's eval-mode logits within 1e-4. The
     * logits alone: ResNet-50's training gradients at this size are ill-conditioned in torch itself (docs/pytorch-parity.md),
     * which says nothing about the weights.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"resnet50", "vit_b_16", "swin_t"})
    void torchvisionWeightsRoundTripToTorchvisionsLogits(String model) {
        assumeTrue(python != null, notFound);
        assumeTrue(!python.missingModels(List.of(model)).contains(model), "torchvision " + python.torchvisionVersion() + " lacks " + model);
        Outcome o = compare(model, res(model), dir.resolve("round-trip-" + model), false);
        System.out.println("round trip " + o.line());
        assertTrue(o.evalErr() <= TOLERANCE, "round trip " + o.line());
    }

    /** Tolerance of the float64 comparison: the reference's figures are written as float32 (resolution 6e-8). */
    static final double FLOAT64_TOLERANCE = 1e-5;

    /**
     * Where float32 cannot tell (ResNet-50's, RegNet's and EfficientNetV2's gradients at these sizes are ill-conditioned:
     * float32 rounding alone moves them by 1e-2 to 1e-1, in torch itself and in ours, differently), the same step in
     * float64 on both sides must agree to float64's precision: eval logits, loss and every parameter's gradient within
     * {@link #FLOAT64_TOLERANCE}. Measured on the 2-core CI machine: ResNet-50 at 64 px, whose float32 gradients differ
     * from torch 1.13's by up to 1.4e-1, agrees to 6.2e-8 in float64; RegNetY-400MF to 7.8e-8; EfficientNetV2-S to 4.8e-7.
     * So those float32 gaps are rounding, not a difference in the model.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"resnet50", "regnet_y_400mf", "efficientnet_v2_s"})
    void inFloat64OursEqualsTorchvisionWhereFloat32CannotTell(String model) throws ReflectiveOperationException {
        assumeTrue(python != null, notFound);
        assumeTrue(!python.missingModels(List.of(model)).contains(model), "torchvision " + python.torchvisionVersion() + " lacks " + model);
        int res = res(model);
        Path out = dir.resolve("float64-" + model);
        python.runScript(Path.of("scripts", "torch_parity.py"), List.of(model, out.toString(), "--res", String.valueOf(res),
                "--batch", "2", "--threads", "1", "--float64"), 900);
        SafeTensors.Contents expected = SafeTensors.read(out.resolve("expected.safetensors"));
        String previous = System.getProperty(TrainingNoise.PROPERTY);
        System.setProperty(TrainingNoise.PROPERTY, "off");
        try (Backbone b = BackboneRegistry.create(model, BackboneOptions.defaults().withImageSize(res)
                .withTorchvisionWeights(out.resolve("weights.safetensors")));
                NDManager m = b.manager().newSubManager()) {
            castParametersToFloat64(b);
            NDArray x = input(expected, m).toType(DataType.FLOAT64, false);
            NDArray y = labels(expected, m);
            TrainingStep step = new TrainingStep(b, m);
            double evalErr = relError(toFloats(b.forwardInference(step.parameterStore(), x, m)),
                    expected.tensors().get("eval_logits").floats());
            // the training step's own path (forward, cross-entropy, the engine's backward) without TrainingStep's float32 loss
            SequenceForward forward = b.forwardTraining(step.parameterStore(), x, 0, m);
            NDArray loss;
            try (GradMode g = GradMode.enabled()) {
                loss = CrossEntropy.loss(forward.output(), y);
            }
            double lossValue = loss.toDoubleArray()[0];
            forward.backward(loss);
            float theirLoss = expected.tensors().get("loss").floats()[0];
            double lossErr = Math.abs(lossValue - theirLoss) / Math.abs(theirLoss);
            WorstGradient worst = worstGradient(b, expected, p -> toFloats(p.getArray().getGradient()), name -> FLOAT64_TOLERANCE);
            String line = String.format(Locale.ROOT, "parity %s at %d px in float64: eval logits %.2e, loss %.2e, gradients %.2e "
                    + "(worst %s), %d gradients", model, res, evalErr, lossErr, worst.error(), worst.name(), worst.compared());
            System.out.println(line);
            assertEquals(b.trainableParameters().size(), worst.compared(), line);
            assertTrue(evalErr <= FLOAT64_TOLERANCE && lossErr <= FLOAT64_TOLERANCE && worst.within(), line);
        } finally {
            if (previous == null) {
                System.clearProperty(TrainingNoise.PROPERTY);
            } else {
                System.setProperty(TrainingNoise.PROPERTY, previous);
            }
        }
    }

    /**
     * Replaces every parameter's array (weights and BatchNorm statistics) by a float64 copy of it. DJL 0.36 has no way to
     * do this: {@code Block.cast} throws "Not implemented yet" and {@code Parameter.setArray} refuses an initialised
     * parameter, so the field is set directly; only this test needs float64.
     */
    private static void castParametersToFloat64(Backbone b) throws ReflectiveOperationException {
        java.lang.reflect.Field array = ai.djl.nn.Parameter.class.getDeclaredField("array");
        array.setAccessible(true);
        for (TorchvisionWeights.Binding bind : TorchvisionWeights.bindings(b)) {
            NDArray a = bind.parameter().getArray();
            NDArray d = a.toType(DataType.FLOAT64, true);
            d.attach(a.getManager());
            d.setRequiresGradient(a.hasGradient());
            array.set(bind.parameter(), d);
            a.close();
        }
    }

    private static float[] toFloats(NDArray a) {
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    private static NDArray input(SafeTensors.Contents expected, NDManager m) {
        SafeTensors.Tensor in = expected.tensors().get("input");
        return m.create(in.floats(), new Shape(in.shape()));
    }

    private static NDArray labels(SafeTensors.Contents expected, NDManager m) {
        float[] ys = expected.tensors().get("labels").floats();
        long[] yl = new long[ys.length];
        for (int i = 0; i < ys.length; i++) {
            yl[i] = (long) ys[i];
        }
        return m.create(yl).toType(DataType.INT64, false);
    }

    private static double largestGradient(SafeTensors.Contents expected) {
        double largest = 0;
        for (SafeTensors.Tensor t : expected.tensors().values()) {
            if (t.name().startsWith("grad.")) { // the floor of each gradient's scale
                largest = Math.max(largest, maxAbs(t.floats()));
            }
        }
        return largest;
    }

    /**
     * The gradient furthest from torch's relative to what it is allowed (errors floored at {@link #GRADIENT_FLOOR} of the
     * largest gradient), over every trainable parameter bound by torchvision's name.
     */
    record WorstGradient(double error, double allowed, String name, int compared, List<String> noisy) {
        boolean within() {
            return error <= allowed;
        }
    }

    private static WorstGradient worstGradient(Backbone b, SafeTensors.Contents expected, Function<Parameter, float[]> ours,
            ToDoubleFunction<String> allowedFor) {
        double largest = largestGradient(expected);
        double worst = 0;
        double worstAllowed = 1;
        double worstRatio = -1;
        String worstName = "";
        List<String> noisy = new ArrayList<>();
        int compared = 0;
        for (TorchvisionWeights.Binding bind : TorchvisionWeights.bindings(b)) {
            SafeTensors.Tensor g = expected.tensors().get("grad." + bind.torchName());
            if (g == null) {
                continue; // a buffer
            }
            double e = relError(ours.apply(bind.parameter()), g.floats(), GRADIENT_FLOOR * largest);
            double allowed = allowedFor.applyAsDouble(bind.torchName());
            compared++;
            if (allowed > TOLERANCE) {
                noisy.add(String.format(Locale.ROOT, "%s %.1e (torch's own %.1e)", bind.torchName(), e, allowed / 2));
            }
            if (e / allowed > worstRatio) {
                worstRatio = e / allowed;
                worst = e;
                worstAllowed = allowed;
                worstName = bind.torchName();
            }
        }
        return new WorstGradient(worst, worstAllowed, worstName, compared, noisy);
    }

    /** One comparison's figures and verdict. */
    record Outcome(boolean within, String line, int compared, int trainable, double evalErr) {
    }

    private Outcome compare(String model, int res, Path out, boolean noise) {
        List<String> args = new ArrayList<>(List.of(model, out.toString(), "--res", String.valueOf(res), "--batch", "2", "--threads", "1"));
        if (noise) {
            args.add("--noise");
        }
        python.runScript(Path.of("scripts", "torch_parity.py"), args, 900);
        SafeTensors.Contents expected = SafeTensors.read(out.resolve("expected.safetensors"));
        String previous = System.getProperty(TrainingNoise.PROPERTY);
        try (Backbone b = BackboneRegistry.create(model, BackboneOptions.defaults().withImageSize(res)
                .withTorchvisionWeights(out.resolve("weights.safetensors")));
                NDManager m = b.manager().newSubManager()) {
            NDArray x = input(expected, m);
            NDArray y = labels(expected, m);
            TrainingStep step = new TrainingStep(b, m);

            double evalErr = relError(b.forwardInference(step.parameterStore(), x, m).toFloatArray(),
                    expected.tensors().get("eval_logits").floats());

            System.setProperty(TrainingNoise.PROPERTY, "off");
            double trainErr;
            try (NDManager f = m.newSubManager()) { // the training-mode logits alone: where a step's mismatch starts
                trainErr = relError(b.forwardTraining(step.parameterStore(), x, 0, f).output().toFloatArray(),
                        expected.tensors().get("train_logits").floats());
            }
            float loss = step.computeGradients(x, y);
            float theirLoss = expected.tensors().get("loss").floats()[0];
            double lossErr = Math.abs(loss - theirLoss) / Math.abs(theirLoss);
            double lossAllowed = allowed(expected, "noise.loss");
            WorstGradient worst = worstGradient(b, expected, step::gradientOf, name -> allowed(expected, "noise." + name));
            List<String> noisy = worst.noisy();
            String line = String.format(Locale.ROOT, "parity %s at %d px: eval logits %.2e, train logits %.2e, loss %.2e (allowed %.1e), "
                    + "gradients %.2e (worst %s, allowed %.1e), %d gradients%s", model, res, evalErr, trainErr, lossErr, lossAllowed, worst.error(),
                    worst.name(), worst.allowed(), worst.compared(), noisy.isEmpty() ? "" : "; " + noisy.size() + " gradients float32-noisy in torch itself, e.g. "
                    + String.join(", ", noisy.subList(0, Math.min(3, noisy.size()))));
            boolean within = evalErr <= TOLERANCE && lossErr <= lossAllowed && worst.within();
            return new Outcome(within, line, worst.compared(), b.trainableParameters().size(), evalErr);
        } finally {
            if (previous == null) {
                System.clearProperty(TrainingNoise.PROPERTY);
            } else {
                System.setProperty(TrainingNoise.PROPERTY, previous);
            }
        }
    }
}
