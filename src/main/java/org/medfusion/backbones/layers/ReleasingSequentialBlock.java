package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A {@link SequentialBlock} that closes each intermediate output as soon as the next child has consumed it.
 *
 * <p>DJL keeps every array a forward creates until its manager closes (the checkpoint engine closes one per block), so
 * within a block the outputs that autograd does not save stay alive to the block's end: a BatchNorm's output once its
 * activation has run, for example (BatchNorm's backward saves its input, ReLU's its output). PyTorch frees them at once
 * (and torchvision's in-place ReLU never makes a second one). Closing a handle only drops this side's reference:
 * whatever autograd saved it keeps, so gradients are unchanged. The block's own input and any array a child hands
 * back unchanged are never closed.
 */
public final class ReleasingSequentialBlock extends SequentialBlock {

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList current = inputs;
        for (Block child : getChildren().values()) {
            NDList next = child.forward(parameterStore, current, training, params);
            if (current != inputs) {
                closeConsumed(current, next);
            }
            current = next;
        }
        return current;
    }

    /** Closes the arrays of {@code consumed} that {@code produced} does not hand on (compared by identity). */
    static void closeConsumed(NDList consumed, NDList produced) {
        NDArray[] handedOn = produced.toArray(new NDArray[0]);
        for (NDArray a : consumed) {
            Intermediates.release(a, null, handedOn);
        }
    }
}
