package org.medfusion.checkpoint;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Scoped switch of libtorch's thread-local grad mode ({@code torch.set_grad_enabled}); restores the
 * previous mode on close. Used instead of DJL's GradientCollector because the engine needs grad
 * mode off for the no-grad segment forwards and on for recompute, inside one training step.
 */
public final class GradMode implements AutoCloseable {

    private final boolean previous;

    private GradMode(boolean enabled) {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
    }

    public static GradMode enabled() {
        return new GradMode(true);
    }

    public static GradMode disabled() {
        return new GradMode(false);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
