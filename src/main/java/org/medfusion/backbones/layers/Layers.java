package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.function.Function;

/**
 * Building blocks shared by the families, with torchvision's semantics: bias-free convolutions
 * followed by BatchNorm (eps 1e-5, PyTorch momentum 0.1 unless given), activations as parameter-free
 * blocks. Every op keeps the activation as its first operand, so outputs land in the activation's
 * (short-lived) NDManager and never in the parameters' manager.
 */
public final class Layers {

    private Layers() {
    }

    /**
     * Activation functions by torchvision name. SiLU and hard-swish keep one tensor for backward, as
     * PyTorch's fused kernels do ({@link LeanActivations}).
     */
    public enum Act {
        NONE, RELU, RELU6, SILU, GELU, HARDSWISH, HARDSIGMOID, SIGMOID;

        public NDArray apply(NDArray x) {
            switch (this) {
                case NONE:
                    return x;
                case RELU:
                    return Activation.relu(x);
                case RELU6:
                    return relu6(x);
                case SILU:
                    return LeanActivations.silu(x);
                case GELU:
                    return Activation.gelu(x);
                case HARDSWISH:
                    return LeanActivations.hardSwish(x);
                case HARDSIGMOID:
                    return LeanActivations.hardSigmoid(x);
                case SIGMOID:
                    return Activation.sigmoid(x);
                default:
                    throw new AssertionError(this);
            }
        }

        /** clamp(x, 0, 6); DJL's Activation.relu6 keeps a Java-backed 6 in the graph. */
        private static NDArray relu6(NDArray x) {
            return x.clip(0f, 6f);
        }

        public Block block() {
            return elementwise(this::apply, name().toLowerCase());
        }
    }

    /**
     * A 0-d array of {@code value} created natively in {@code like}'s manager, with its dtype and
     * device. Use it instead of a Java number operand ({@code x.div(6f)}) wherever autograd may keep
     * the operand for backward: DJL wraps a number in a tensor over Java direct memory, which the
     * garbage collector can free while the graph still reads it (NaN or wrong gradients at random).
     */
    public static NDArray scalar(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, like.getDataType(), like.getDevice());
    }

    public static Conv2d conv(int out, int kernel, int stride, int groups, boolean bias) {
        return conv(out, kernel, stride, (kernel - 1) / 2, 1, groups, bias);
    }

    /** A convolution block; every family builds its convolutions here ({@link GuardedConv2d}: the native safety net). */
    public static Conv2d conv(int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias) {
        Conv2d.Builder builder = Conv2d.builder()
                .setFilters(out)
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .optDilation(new Shape(dilation, dilation))
                .optGroups(groups)
                .optBias(bias);
        builder.build(); // DJL's own validation of the settings
        return new GuardedConv2d(builder);
    }

    public static BatchNorm batchNorm() {
        return batchNorm(1e-5f, 0.1f);
    }

    /** BatchNorm with PyTorch's eps and momentum convention (momentum = weight of the new batch). */
    public static BatchNorm batchNorm(float eps, float torchMomentum) {
        return BatchNorm.builder().optEpsilon(eps).optMomentum(1f - torchMomentum).build();
    }

    /** torchvision's Conv2dNormActivation: conv (no bias, "same" padding) + BatchNorm + activation. */
    public static SequentialBlock convBnAct(int out, int kernel, int stride, int groups, Act act) {
        return convBnAct(out, kernel, stride, groups, act, batchNorm());
    }

    public static SequentialBlock convBnAct(int out, int kernel, int stride, int groups, Act act, BatchNorm bn) {
        SequentialBlock b = new ReleasingSequentialBlock().add(conv(out, kernel, stride, groups, false)).add(bn);
        if (act != Act.NONE) {
            b.add(act.block());
        }
        return b;
    }

    /**
     * A parameter-free block applying an element-wise function: its output shape is its input shape. DJL's
     * {@link LambdaBlock} finds output shapes by running the function on zeros of the input's size, which made
     * building a model (every nested block asks its children again) take seconds to tens of seconds.
     */
    public static Block elementwise(Function<NDArray, NDArray> f, String name) {
        return new LambdaBlock(l -> new NDList(f.apply(l.singletonOrThrow())), name) {
            @Override
            public Shape[] getOutputShapes(Shape[] inputShapes) {
                return inputShapes;
            }
        };
    }

    public static Block lambda(Function<NDArray, NDArray> f, String name) {
        return new LambdaBlock(l -> new NDList(f.apply(l.singletonOrThrow())), name);
    }

    /** Global average pool to 1x1 and flatten: (N, C, H, W) to (N, C). */
    public static Block globalAvgPoolFlatten() {
        return new SequentialBlock().add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock());
    }

    public static Linear linear(int out) {
        return Linear.builder().setUnits(out).build();
    }

    public static Linear linear(int out, boolean bias) {
        return Linear.builder().setUnits(out).optBias(bias).build();
    }
}
