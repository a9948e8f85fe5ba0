package org.medfusion.checkpoint;

import ai.djl.ndarray.NDArray;

/**
 * The result of a training-mode forward through a {@link CheckpointedSequence}: the output, still
 * connected to the autograd graph of the last segment, and the backward that completes it.
 */
public interface SequenceForward {

    /** The output of the last block; ops on it build the graph that {@link #backward} walks. */
    NDArray output();

    /**
     * Back-propagates {@code loss} (a scalar computed from {@link #output()}) into every parameter
     * gradient, recomputing checkpointed segments as needed. Gradients accumulate (as in PyTorch);
     * the caller zeroes them per optimizer step. Call at most once.
     */
    void backward(NDArray loss);
}
