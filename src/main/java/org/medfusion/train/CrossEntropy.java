package org.medfusion.train;

import ai.djl.ndarray.NDArray;

/** Mean softmax cross-entropy of logits (N, C) against integer labels (N), as torch's F.cross_entropy. */
public final class CrossEntropy {

    private CrossEntropy() {
    }

    public static NDArray loss(NDArray logits, NDArray labels) {
        long classes = logits.getShape().get(1);
        NDArray logProbs = logits.logSoftmax(1);
        return logProbs.mul(labels.oneHot((int) classes)).sum(new int[] {1}).neg().mean();
    }
}
