package org.medfusion.train.precision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The differentiable cast to float32 that mixed precision needs for the loss. DJL's
 * {@code NDArray.toType} is not recorded by autograd (its result has no grad_fn: backward from a
 * loss computed on {@code logits.toType(FLOAT32)} fails with "does not require grad"), so the cast
 * is a multiplication by a float32 one of shape (1): PyTorch's type promotion gives a float32 result
 * and autograd casts the gradient back to the half-precision input.
 */
public final class Fp32Ops {

    private Fp32Ops() {
    }

    /** {@code x} in float32, differentiably; itself when already float32. */
    public static NDArray toFloat32(NDArray x) {
        if (x.getDataType() == DataType.FLOAT32) {
            return x;
        }
        NDArray one = x.getManager().ones(new Shape(1), DataType.FLOAT32, x.getDevice());
        return x.mul(one);
    }
}
