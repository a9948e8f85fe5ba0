package org.medfusion.natives;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The preflight probe, run in a child JVM by {@link NativePreflight}: for each given convolution shape class, a
 * forward and backward (input and weight gradients) at batch 2 through {@link ConvCall}, the same call site the
 * models use (so a fallback that rewrites a convolution is probed as it will run). Run in a child because the crash it
 * looks for is a signal in native code that takes the whole JVM with it; results that differ from libtorch's native
 * convolution fail the probe too ({@link #WRONG_RESULTS}).
 *
 * <p>Usage: {@code ProbeMain --fallback <Fallback id> --shapes <file of ConvShape keys, one per line> [--batch N]}. Prints
 * {@code probe start <class>} before and {@code probe ok <class>} after each class (flushed, so the parent knows
 * which class was running when the child died) and exits 0 when all pass.
 */
public final class ProbeMain {

    /** The probe's batch: the smallest that BatchNorm-free convolutions need, and what the crash showed at. */
    static final int BATCH = 2;

    private ProbeMain() {
    }

    public static void main(String[] args) throws IOException {
        Fallback fallback = Fallback.NONE;
        Path shapesFile = null;
        int batch = BATCH;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--fallback" -> fallback = Fallback.fromId(args[i + 1]);
                case "--shapes" -> shapesFile = Path.of(args[i + 1]);
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown probe option " + args[i]);
            }
        }
        if (shapesFile == null) {
            throw new IllegalArgumentException("usage: ProbeMain --fallback <id> --shapes <file>");
        }
        List<ConvShape> shapes = Files.readAllLines(shapesFile, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank()).map(ConvShape::parse).toList();
        Engine engine = Engine.getEngine("PyTorch");
        System.out.println("probe engine " + engine.getEngineName() + " " + engine.getVersion());
        Natives.adoptForProbe(fallback); // exactly where Natives applies it: after the engine loads, before any convolution
        System.out.println("probe fallback " + fallback.id() + " (oneDNN enabled: " + OneDnnFallback.isEnabled()
                + ", " + OneDnnFallback.ISA_VARIABLE + "=" + OneDnnFallback.isaLimit() + ")");
        try (NDManager m = NDManager.newBaseManager()) {
            for (ConvShape s : shapes) {
                System.out.println("probe start " + s.key());
                System.out.flush();
                long t = System.nanoTime();
                run(m, s, batch);
                System.out.printf("probe ok %s %.1f ms%n", s.key(), (System.nanoTime() - t) / 1e6);
            }
        }
        System.out.flush();
        System.exit(0);
    }

    /** Exit status of a probe child whose convolution computed wrong results (no signal, but no less unusable). */
    static final int WRONG_RESULTS = 3;
    /** Largest relative difference (of the largest reference value) between the path under test and the reference. */
    static final double TOLERANCE = 1e-3;

    /**
     * Forward, a scalar loss and backward to both the input and the weight, on the path under test; then the same on
     * libtorch's native convolution (oneDNN switched off for the call), whose output and gradients must agree within
     * {@link #TOLERANCE}: on a CPU without cache topology oneDNN also computes some 3x3 convolutions 26 % wrong,
     * silently (EfficientNetV2's 24-channel FusedMBConv at 16x16 and 32x32 maps), which no signal reveals.
     */
    static void run(NDManager parent, ConvShape s, int batch) {
        try (NDManager m = parent.newSubManager()) {
            m.getEngine().setRandomSeed(7);
            NDArray x = m.randomNormal(new Shape(batch, s.in(), s.height(), s.width()));
            NDArray w = m.randomNormal(new Shape(s.out(), s.in() / s.groups(), s.kernelH(), s.kernelW())).mul(0.05f);
            float[][] tested = outputAndGradients(s, x, w);
            boolean enabled = OneDnnFallback.isEnabled();
            float[][] reference;
            try {
                OneDnnFallback.setEnabled(false);
                reference = outputAndGradients(s, x, w);
            } finally {
                OneDnnFallback.setEnabled(enabled);
            }
            String[] what = {"output", "input gradient", "weight gradient"};
            for (int k = 0; k < 3; k++) {
                double err = relativeError(tested[k], reference[k]);
                if (!(err <= TOLERANCE)) {
                    System.out.printf("probe wrong %s: %s differs from libtorch's native convolution by %.3g of its largest"
                            + " value%n", s.key(), what[k], err);
                    System.out.flush();
                    System.exit(WRONG_RESULTS);
                }
            }
        }
    }

    private static float[][] outputAndGradients(ConvShape s, NDArray input, NDArray weight) {
        try (NDManager m = input.getManager().newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray x = input.duplicate();
            NDArray w = weight.duplicate();
            x.attach(m);
            w.attach(m);
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            NDArray y = ConvCall.conv2d(x, w, null, new Shape(s.strideH(), s.strideW()), new Shape(s.padH(), s.padW()),
                    new Shape(s.dilationH(), s.dilationW()), s.groups()).singletonOrThrow();
            gc.backward(y.square().mean());
            return new float[][] {y.toFloatArray(), x.getGradient().toFloatArray(), w.getGradient().toFloatArray()};
        }
    }

    static double relativeError(float[] tested, float[] reference) {
        double max = 0;
        double diff = 0;
        for (int i = 0; i < reference.length; i++) {
            max = Math.max(max, Math.abs(reference[i]));
            diff = Math.max(diff, Math.abs((double) tested[i] - reference[i]));
        }
        return max == 0 ? diff : diff / max;
    }
}
