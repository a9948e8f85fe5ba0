package org.medfusion.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

/**
 * A seeded random training batch: normal images (B, 3, res, res) and uniform int64 labels in [0, classes).
 * The same seed gives the same batch, so plain and checkpointed steps, benchmark forks and tests see one input.
 */
public record SyntheticBatch(NDArray images, NDArray labels) {

    public static SyntheticBatch create(NDManager m, int batch, int res, int classes, long seed) {
        JniUtils.setSeed(seed);
        NDArray x = m.randomNormal(new Shape(batch, 3, res, res));
        NDArray y = m.randomInteger(0, classes, new Shape(batch), DataType.INT64);
        return new SyntheticBatch(x, y);
    }
}
