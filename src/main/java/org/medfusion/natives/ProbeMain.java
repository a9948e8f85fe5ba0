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
 * looks for is a signal in native code that takes the whole JVM with it.
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

    /** Forward, a scalar loss and backward to both the input and the weight. */
    static void run(NDManager parent, ConvShape s, int batch) {
        try (NDManager m = parent.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            m.getEngine().setRandomSeed(7);
            NDArray x = m.randomNormal(new Shape(batch, s.in(), s.height(), s.width()));
            NDArray w = m.randomNormal(new Shape(s.out(), s.in() / s.groups(), s.kernelH(), s.kernelW())).mul(0.05f);
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            NDArray y = ConvCall.conv2d(x, w, null, new Shape(s.strideH(), s.strideW()), new Shape(s.padH(), s.padW()),
                    new Shape(s.dilationH(), s.dilationW()), s.groups()).singletonOrThrow();
            gc.backward(y.square().mean());
            float g = x.getGradient().abs().sum().getFloat() + w.getGradient().abs().sum().getFloat();
            if (!Float.isFinite(g)) {
                throw new IllegalStateException(s.key() + ": non-finite gradient");
            }
        }
    }
}
