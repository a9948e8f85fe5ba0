package org.medfusion.backbones.layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Set;
import java.util.function.Consumer;
import org.medfusion.natives.ConvCall;
import org.medfusion.natives.ConvShape;

/**
 * DJL's {@link Conv2d} with its convolution run through {@link ConvCall}, the project's one engine call site for
 * convolutions (native preflight coverage, the strided-1x1 fallback, the crash simulation), and with its shape class
 * reported while a model is initialised ({@link #collectDuring}), so a backbone knows every convolution it will run
 * before it runs one. {@link Layers#conv} builds every convolution of every family with it.
 */
public final class GuardedConv2d extends Conv2d {

    private static final ThreadLocal<Consumer<ConvShape>> COLLECTOR = new ThreadLocal<>();

    GuardedConv2d(Conv2d.Builder builder) {
        super(builder);
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray input = inputs.singletonOrThrow();
        Device device = input.getDevice();
        NDArray w = parameterStore.getValue(weight, device, training);
        NDArray b = bias == null ? null : parameterStore.getValue(bias, device, training);
        return ConvCall.conv2d(input, w, b, stride, padding, dilation, groups);
    }

    @Override
    protected void beforeInitialize(Shape... inputShapes) {
        super.beforeInitialize(inputShapes);
        Consumer<ConvShape> c = COLLECTOR.get();
        if (c != null) {
            Shape in = inputShapes[0];
            Shape w = new Shape(filters, in.get(1) / groups, kernelShape.get(0), kernelShape.get(1));
            c.accept(ConvCall.shapeOf(in, w, stride, padding, dilation, groups));
        }
    }

    /** Runs {@code initialization} (in this thread) and adds the shape class of every convolution it initialises. */
    public static void collectDuring(Runnable initialization, Set<ConvShape> into) {
        Consumer<ConvShape> previous = COLLECTOR.get();
        COLLECTOR.set(into::add);
        try {
            initialization.run();
        } finally {
            COLLECTOR.set(previous);
        }
    }
}
