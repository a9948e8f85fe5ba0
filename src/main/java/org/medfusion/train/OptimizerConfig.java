package org.medfusion.train;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

/**
 * The optimizer of a training step: AdamW as in the seed (lr 1e-4, weight decay 0.01) by default,
 * or SGD with momentum.
 */
public record OptimizerConfig(Kind kind, float learningRate, float weightDecay, float momentum) {

    public enum Kind { ADAMW, SGD }

    public OptimizerConfig {
        if (!(learningRate > 0f) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a positive finite number, got " + learningRate);
        }
        if (weightDecay < 0f || momentum < 0f || momentum >= 1f) {
            throw new IllegalArgumentException("weight decay must be >= 0 and momentum within [0, 1), got "
                    + weightDecay + " and " + momentum);
        }
    }

    public static OptimizerConfig adamW() {
        return new OptimizerConfig(Kind.ADAMW, 1e-4f, 0.01f, 0f);
    }

    public static OptimizerConfig sgd(float learningRate, float momentum) {
        return new OptimizerConfig(Kind.SGD, learningRate, 0f, momentum);
    }

    public Optimizer build() {
        switch (kind) {
            case ADAMW:
                return Optimizer.adamW().optLearningRateTracker(Tracker.fixed(learningRate))
                        .optWeightDecays(weightDecay).build();
            case SGD:
                return Optimizer.sgd().setLearningRateTracker(Tracker.fixed(learningRate))
                        .optMomentum(momentum).optWeightDecays(weightDecay).build();
            default:
                throw new AssertionError(kind);
        }
    }
}
