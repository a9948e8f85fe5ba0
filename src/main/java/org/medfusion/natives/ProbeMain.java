package org.medfusion.natives;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import com.sun.jna.Function;
import java.util.List;

/**
 * The preflight probe, run in a child JVM by {@link NativePreflight}: a forward and backward (input and weight
 * gradients) of one convolution per shape class of a ResNet bottleneck, tiny (batch 2, 8x8 or 16x16 maps) so it
 * takes well under a second once libtorch is loaded. Run in a child because the crash it looks for is a signal in
 * native code that takes the whole JVM with it.
 *
 * <p>Usage: {@code java -cp <classpath> org.medfusion.natives.ProbeMain [--fallback <Fallback id>]}. Prints
 * {@code probe start <class>} before and {@code probe ok <class>} after each class (flushed, so the parent knows
 * which class was running when the child died) and exits 0 when all pass.
 *
 * <p>Test hook: with {@code MEDFUSION_PROBE_SIMULATE_CRASH=1} in its environment and no fallback applied, the
 * probe raises SIGFPE on itself (libc {@code raise(8)}) where the real crash would happen, after the engine is
 * loaded; with the fallback applied it runs normally. Tests use it to exercise detection, fallback and verification
 * on machines that do not crash.
 */
public final class ProbeMain {

    /** Environment variable of the test hook. */
    public static final String SIMULATE_ENV = "MEDFUSION_PROBE_SIMULATE_CRASH";
    private static final int SIGFPE = 8;

    /** One convolution: channels in and out, kernel, stride, input map size. */
    record ShapeClass(String name, int in, int out, int kernel, int stride, int size) {
    }

    /** The convolutions of ResNet-50's stem, bottlenecks and downsampling shortcuts (and ResNet-18's 3x3). */
    static final List<ShapeClass> SHAPES = List.of(
            new ShapeClass("1x1 conv 64->256 stride 1 (bottleneck expand)", 64, 256, 1, 1, 8),
            new ShapeClass("1x1 conv 256->64 stride 1 (bottleneck reduce)", 256, 64, 1, 1, 8),
            new ShapeClass("1x1 conv 1024->256 stride 1 (deep bottleneck reduce)", 1024, 256, 1, 1, 4),
            new ShapeClass("1x1 conv 256->512 stride 2 (downsample shortcut)", 256, 512, 1, 2, 8),
            new ShapeClass("3x3 conv 64->64 stride 1", 64, 64, 3, 1, 8),
            new ShapeClass("3x3 conv 128->128 stride 2", 128, 128, 3, 2, 8),
            new ShapeClass("7x7 conv 3->64 stride 2 (stem)", 3, 64, 7, 2, 16));

    private ProbeMain() {
    }

    public static void main(String[] args) {
        Fallback fallback = Fallback.NONE;
        for (int i = 0; i < args.length; i++) {
            if ("--fallback".equals(args[i]) && i + 1 < args.length) {
                fallback = Fallback.fromId(args[++i]);
            }
        }
        Engine engine = Engine.getEngine("PyTorch");
        System.out.println("probe engine " + engine.getEngineName() + " " + engine.getVersion());
        fallback.apply(); // exactly where Natives applies it: after the engine loads, before any convolution
        System.out.println("probe fallback " + fallback.id() + " (oneDNN enabled: " + OneDnnFallback.isEnabled()
                + ", " + OneDnnFallback.ISA_VARIABLE + "=" + OneDnnFallback.isaLimit() + ")");
        try (NDManager m = NDManager.newBaseManager()) {
            for (ShapeClass s : SHAPES) {
                System.out.println("probe start " + s.name());
                System.out.flush();
                if ("1".equals(System.getenv(SIMULATE_ENV)) && fallback == Fallback.NONE) {
                    Function.getFunction("c", "raise").invokeInt(new Object[] {SIGFPE});
                }
                long t = System.nanoTime();
                run(m, s);
                System.out.printf("probe ok %s %.1f ms%n", s.name(), (System.nanoTime() - t) / 1e6);
            }
        }
        System.out.flush();
        System.exit(0);
    }

    /** Forward, a scalar loss and backward to both the input and the weight. */
    static void run(NDManager parent, ShapeClass s) {
        try (NDManager m = parent.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            m.getEngine().setRandomSeed(7);
            NDArray x = m.randomNormal(new Shape(2, s.in(), s.size(), s.size()));
            NDArray w = m.randomNormal(new Shape(s.out(), s.in(), s.kernel(), s.kernel())).mul(0.05f);
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            int pad = s.kernel() / 2;
            NDArray y = Conv2d.conv2d(x, w, null, new Shape(s.stride(), s.stride()), new Shape(pad, pad), new Shape(1, 1), 1).singletonOrThrow();
            gc.backward(y.square().mean());
            float g = x.getGradient().abs().sum().getFloat() + w.getGradient().abs().sum().getFloat();
            if (!Float.isFinite(g)) {
                throw new IllegalStateException(s.name() + ": non-finite gradient");
            }
        }
    }
}
