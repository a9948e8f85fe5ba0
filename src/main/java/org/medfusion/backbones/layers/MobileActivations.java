package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;

/**
 * ReLU, ReLU6, SiLU, sigmoid, hard-sigmoid and hard-swish for the MobileNet / EfficientNet families,
 * built only from native ops and natively created constants.
 *
 * <p>Why not {@link Layers.Act#apply}: in DJL 0.36's PyTorch engine an op with a Java number
 * operand ({@code x.mul(1f)} inside {@code Activation.swish}, {@code div(6f)}, {@code minimum(6)}
 * inside {@code Activation.relu6}, {@code clip}) wraps that number in a tensor created with
 * {@code torch::from_blob} over a Java direct buffer and closes it at once. When autograd saves
 * that scalar for backward (mul, div, minimum, clamp do), the buffer's memory can be returned by
 * the garbage collector before backward runs, and backward then reads freed memory: rare NaN or
 * wrong gradients (observed here as NaN gradients in one of ~25 EfficientNetV2-S steps). The
 * constants used here are created with {@code NDManager.full} (native memory, reference counted by
 * libtorch) in the activation's own manager, so they also follow the memory rule.
 */
public final class MobileActivations {

    private MobileActivations() {
    }

    /** {@code act(x)}; NONE is the identity. GELU is not used by these families and is rejected. */
    public static NDArray apply(Layers.Act act, NDArray x) {
        switch (act) {
            case NONE:
                return x;
            case RELU:
                return Activation.relu(x);
            case RELU6:
                return relu6(x);
            case SILU:
                return x.mul(Activation.sigmoid(x));
            case SIGMOID:
                return Activation.sigmoid(x);
            case HARDSIGMOID:
                return hardSigmoid(x);
            case HARDSWISH:
                return x.mul(hardSigmoid(x));
            default:
                throw new IllegalArgumentException("no native-safe form of " + act);
        }
    }

    /** A parameter-free block applying {@code act}. */
    public static Block block(Layers.Act act) {
        return new LambdaBlock(l -> new NDList(apply(act, l.singletonOrThrow())), act.name().toLowerCase());
    }

    private static NDArray relu6(NDArray x) {
        return Activation.relu(x).minimum(constant(x, 6f));
    }

    /** {@code relu6(x + 3) / 6}, torchvision's Hardsigmoid. */
    private static NDArray hardSigmoid(NDArray x) {
        return relu6(x.add(constant(x, 3f))).div(constant(x, 6f));
    }

    /** A 0-d constant in x's manager (hence device) and type, created natively. */
    private static NDArray constant(NDArray x, float value) {
        return x.getManager().full(new Shape(), value, x.getDataType());
    }
}
