package org.medfusion.natives;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place where this project runs a convolution on the engine: every backbone's convolution block
 * ({@code backbones.layers.GuardedConv2d}) and the preflight probe ({@link ProbeMain}) call {@link #conv2d}. Being the
 * only call site is what makes the native safety net hold by construction:
 * <ul>
 *   <li>before a convolution of a shape class this process has not seen covered, it asks {@link Natives#ensureCovered}
 *       (a set lookup when covered; else the cached or a fresh preflight verdict for that class, from a child), so no
 *       process, parent or fork or test JVM, runs a convolution the probe has not run first;</li>
 *   <li>under {@link Fallback#STRIDED_1X1_SUBSAMPLE} it computes a strided 1x1 convolution as a stride-1 convolution
 *       of the input subsampled by the stride (identical in exact arithmetic, since a 1x1 kernel with stride s reads
 *       exactly the pixels {@code [::s, ::s]}), so oneDNN's crashing strided backward-data primitive is never created
 *       while every other convolution keeps full-speed oneDNN;</li>
 *   <li>the {@link SimulatedOneDnnCrash}, when armed, fires here where the real crash would.</li>
 * </ul>
 * An architecture test keeps every other class off DJL's convolution functions.
 */
public final class ConvCall {

    private static volatile boolean subsampleStrided1x1;
    private static volatile boolean anyRan;
    private static volatile Set<ConvShape> recording;

    private ConvCall() {
    }

    /** {@code torch.nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups)}; bias may be null. */
    public static NDList conv2d(NDArray x, NDArray weight, NDArray bias, Shape stride, Shape padding, Shape dilation,
            int groups) {
        ConvShape shape = shapeOf(x.getShape(), weight.getShape(), stride, padding, dilation, groups);
        Natives.ensureCovered(shape);
        Set<ConvShape> r = recording;
        if (r != null) {
            r.add(shape);
        }
        NDArray input = x;
        Shape s = stride;
        ConvShape executed = shape;
        if (subsampleStrided1x1 && shape.isStrided1x1()) {
            input = x.get(new NDIndex(":, :, ::" + stride.get(0) + ", ::" + stride.get(1)));
            s = new Shape(1, 1);
            executed = shape.subsampled();
        }
        SimulatedOneDnnCrash sim = SimulatedOneDnnCrash.armed();
        // grad mode alone decides whether a backward-data follows: DJL's hasGradient() answers false for every
        // non-leaf tensor, and with it the simulated crash fired on the probe's leaf inputs but never inside a training
        // step, so on a CPU without the real crash no test ever saw a measuring fork die (no zoo model runs a strided
        // 1x1 convolution on the batch itself, the one input in grad mode without a gradient)
        if (sim != null && sim.fires(executed, x.getShape().get(0), JniUtils.isGradMode())) {
            sim.raiseInOneDnn(executed);
        }
        anyRan = true;
        try {
            return Conv2d.conv2d(input, weight, bias, s, padding, dilation, groups);
        } finally {
            if (input != x) {
                input.close(); // the slice's handle; autograd keeps what it saved
            }
        }
    }

    /** The shape class of a convolution of an input of shape {@code (N, C, H, W)} with a weight {@code (O, C/g, kh, kw)}. */
    public static ConvShape shapeOf(Shape input, Shape weight, Shape stride, Shape padding, Shape dilation, int groups) {
        return new ConvShape((int) input.get(1), (int) weight.get(0), (int) weight.get(2), (int) weight.get(3),
                (int) stride.get(0), (int) stride.get(1), (int) padding.get(0), (int) padding.get(1), (int) dilation.get(0),
                (int) dilation.get(1), groups, input.get(2), input.get(3));
    }

    /** Whether a convolution has run in this process (oneDNN then has read its ISA cap: {@link Fallback#ISA_AVX} is too late). */
    static boolean anyRan() {
        return anyRan;
    }

    /** Applied by {@link Fallback#STRIDED_1X1_SUBSAMPLE}; any time, takes effect at the next convolution. */
    static void subsampleStrided1x1(boolean on) {
        subsampleStrided1x1 = on;
    }

    static boolean subsamplingStrided1x1() {
        return subsampleStrided1x1;
    }

    /**
     * Runs {@code work} and returns the shape class of every convolution it ran (in this thread or any other), for
     * the test that proves the static walk of a model ({@code backbones.ConvShapes}) covers what it executes.
     */
    public static synchronized Set<ConvShape> recordDuring(Runnable work) {
        Set<ConvShape> seen = ConcurrentHashMap.newKeySet();
        recording = seen;
        try {
            work.run();
        } finally {
            recording = null;
        }
        return Set.copyOf(seen);
    }
}
