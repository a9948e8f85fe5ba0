package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The random parts of a training forward (dropout, stochastic depth) and the one switch that turns them off:
 * {@code -Dmedfusion.training-noise=off}. Off is for numerical parity with another framework only (the PyTorch parity
 * test compares one training step's loss and gradients with torchvision's, whose masks come from another generator
 * and cannot be matched draw for draw); benchmarks and training keep the noise, as torchvision does.
 */
public final class TrainingNoise {

    /** JVM property: {@code off} skips dropout and stochastic depth in training forwards. */
    public static final String PROPERTY = "medfusion.training-noise";

    private TrainingNoise() {
    }

    /** Whether dropout and stochastic depth apply in training forwards (true unless the property says {@code off}). */
    public static boolean enabled() {
        return !"off".equals(System.getProperty(PROPERTY));
    }

    /** torchvision's {@code nn.Dropout(rate)} as a block: libtorch's dropout in training, identity otherwise or when off. */
    public static Block dropout(float rate) {
        return new DropoutBlock(rate);
    }

    private static final class DropoutBlock extends AbstractBlock {
        private final float rate;

        DropoutBlock(float rate) {
            this.rate = rate;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            return training && rate > 0f && enabled() ? Dropout.dropout(x, rate, true) : new NDList(x);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }
}
