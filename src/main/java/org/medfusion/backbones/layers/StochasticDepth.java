package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * torchvision's {@code stochastic_depth(x, p, mode="row")}: in training, drops the whole residual
 * branch of each sample with probability p and scales survivors by 1/(1-p). The mask comes from
 * libtorch's generator, which the checkpoint engine reseeds per (step, block), so a recompute
 * draws the same mask. {@link TrainingNoise} switches it off (parity tests only).
 */
public final class StochasticDepth {

    private StochasticDepth() {
    }

    /**
     * The drop probability of block {@code index} of {@code count} on a linear ramp from 0 to {@code max}:
     * torchvision's {@code max * index / (count - 1)} (numpy.linspace; Swin, ConvNeXt, MaxViT), 0 for one block.
     */
    public static float linearRamp(float max, int index, int count) {
        return count > 1 ? (float) ((double) max * index / (count - 1)) : 0f;
    }

    public static NDArray apply(NDArray x, float p, boolean training) {
        if (!training || p <= 0f || !TrainingNoise.enabled()) {
            return x;
        }
        long[] dims = new long[x.getShape().dimension()];
        java.util.Arrays.fill(dims, 1);
        dims[0] = x.getShape().get(0);
        float survival = 1f - p;
        NDArray noise = x.getManager().randomUniform(0f, 1f, new Shape(dims), x.getDataType(), x.getDevice());
        NDArray mask = noise.lt(survival).toType(x.getDataType(), false).div(Layers.scalar(x, survival));
        return x.mul(mask);
    }
}
