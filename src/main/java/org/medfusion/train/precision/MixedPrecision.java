package org.medfusion.train.precision;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * Mixed-precision training without autocast (DJL 0.36 has none): what runs in which precision.
 *
 * <p><b>Half precision</b> ({@link #computeType()}: float16, on CPU and CUDA): the input
 * images, every convolution and linear weight and bias and every other learnable tensor (class
 * token, position embedding, relative position bias), hence convolutions, matrix products,
 * activations, pooling, residual adds and the activations kept for backward. The forward reads
 * persistent half-precision leaf copies of the float32 master weights, refreshed in place after each
 * optimizer update ({@link HalfPrecisionParameterStore}: they and their gradients are steady state, not
 * step memory); the checkpointed recompute reads the same copies and the same half-precision boundary
 * activations, so it repeats the first forward's arithmetic exactly.
 *
 * <p><b>Float32</b>, always:
 * <ul>
 *   <li>master weights and the optimizer (AdamW moments, update) and the gradients it reads
 *       (half-precision gradients are cast to float32, accumulated, unscaled, checked for inf/NaN);</li>
 *   <li>normalisation parameters and statistics: BatchNorm weight, bias, running mean and variance,
 *       LayerNorm weight and bias; libtorch's mixed-type kernels compute the batch mean and variance
 *       in float32 and update the float32 running statistics in place (once per step, as in fp32);</li>
 *   <li>the loss: logits are cast to float32 ({@link Fp32Ops#toFloat32}, differentiably) before
 *       log-softmax and cross-entropy;</li>
 *   <li>the loss scale ({@link LossScaler}) and the scaled loss.</li>
 * </ul>
 *
 * <p>Softmax inside attention runs on half-precision scores: libtorch's softmax kernels accumulate in
 * float32 internally, and a float32 round trip is impossible inside the graph because DJL's cast is
 * not differentiable (see {@link Fp32Ops}).
 *
 * <p><b>Why float16 on CPU too</b>: bfloat16 is PyTorch's CPU autocast type, but DJL 0.36's PyTorch
 * JNI aborts the whole process on any bfloat16 tensor ({@code toType(BFLOAT16)} ends in
 * {@code terminate called without an active exception}; the engine maps data types by enum ordinal
 * and has no bfloat16 entry), so it cannot be used. libtorch 2.7 runs float16 convolutions, matrix
 * products and mixed-type BatchNorm/LayerNorm on CPU; float16's narrow range is what the loss
 * scaler is for.
 */
public record MixedPrecision(DataType computeType, LossScaler scaler) {

    public MixedPrecision {
        if (computeType != DataType.FLOAT16) {
            throw new IllegalArgumentException("mixed precision computes in float16 (DJL 0.36 cannot hold bfloat16), got "
                    + computeType);
        }
    }

    /** float16 compute with GradScaler's defaults, on CPU or CUDA. */
    public static MixedPrecision forDevice(Device device) {
        return forDevice(device, LossScaler.Config.defaults());
    }

    public static MixedPrecision forDevice(Device device, LossScaler.Config scaler) {
        return new MixedPrecision(DataType.FLOAT16, new LossScaler(scaler));
    }
}
