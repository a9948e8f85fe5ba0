package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;

/**
 * Frees a block's intermediate arrays at their last use, as PyTorch's reference counting does.
 *
 * <p>DJL keeps every array a forward creates until its manager closes (the checkpoint engine closes one per block), so
 * without this a block's transient is the sum of all its intermediates: a Swin-T block at 28x28 tokens holds about 80
 * MiB of reshaped, rolled, padded and attention tensors at batch 8 where PyTorch holds a few at a time. Closing a handle
 * only drops this side's reference: whatever autograd saved, and the storage any live view shares, stays; so values and
 * gradients are unchanged. A block's input and the array it returns are never closed, nor a cached constant.
 */
public final class Intermediates {

    private Intermediates() {
    }

    /**
     * Returns {@code result}, closing {@code consumed} first unless it is {@code result} itself or one of {@code keep}
     * (compared by identity: an op that hands its input back unchanged returns the same object).
     */
    public static NDArray next(NDArray consumed, NDArray result, NDArray... keep) {
        release(consumed, result, keep);
        return result;
    }

    /** Closes {@code consumed} unless it is {@code result} or one of {@code keep}. */
    public static void release(NDArray consumed, NDArray result, NDArray... keep) {
        if (consumed == null || consumed == result) {
            return;
        }
        for (NDArray k : keep) {
            if (consumed == k) {
                return;
            }
        }
        consumed.close();
    }
}
