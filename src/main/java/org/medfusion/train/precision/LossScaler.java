package org.medfusion.train.precision;

/**
 * Dynamic loss scaling with the behaviour of PyTorch's {@code torch.amp.GradScaler}: the loss is
 * multiplied by {@link #scale()} before backward so that small gradients survive half precision;
 * gradients are divided by it before the optimizer step. A step whose gradients hold inf or NaN is
 * skipped and the scale is multiplied by the backoff factor (0.5); after {@code growthInterval}
 * consecutive clean steps it is multiplied by the growth factor (2.0). Not thread-safe: one per
 * training loop.
 */
public final class LossScaler {

    /** GradScaler's knobs; {@link #defaults()} are PyTorch's (2^16, 2.0, 0.5, 2000). */
    public record Config(float initScale, float growthFactor, float backoffFactor, int growthInterval) {

        public Config {
            if (!(initScale > 0f) || Float.isInfinite(initScale)) {
                throw new IllegalArgumentException("loss scale must be a positive finite number, got " + initScale);
            }
            if (!(growthFactor > 1f) || Float.isInfinite(growthFactor)) {
                throw new IllegalArgumentException("growth factor must be > 1, got " + growthFactor);
            }
            if (!(backoffFactor > 0f && backoffFactor < 1f)) {
                throw new IllegalArgumentException("backoff factor must be within (0, 1), got " + backoffFactor);
            }
            if (growthInterval < 1) {
                throw new IllegalArgumentException("growth interval must be >= 1 step, got " + growthInterval);
            }
        }

        public static Config defaults() {
            return new Config(65536f, 2f, 0.5f, 2000);
        }

        public Config withGrowthInterval(int steps) {
            return new Config(initScale, growthFactor, backoffFactor, steps);
        }

        public Config withInitScale(float scale) {
            return new Config(scale, growthFactor, backoffFactor, growthInterval);
        }
    }

    private final Config config;
    private float scale;
    private int cleanSteps;
    private long skippedSteps;

    public LossScaler(Config config) {
        this.config = config;
        this.scale = config.initScale();
    }

    public LossScaler() {
        this(Config.defaults());
    }

    public Config config() {
        return config;
    }

    /** The factor the loss is multiplied by before backward. */
    public float scale() {
        return scale;
    }

    /** Clean steps since the last growth or backoff (GradScaler's growth tracker). */
    public int cleanSteps() {
        return cleanSteps;
    }

    /** Steps skipped so far because their gradients were not finite. */
    public long skippedSteps() {
        return skippedSteps;
    }

    /**
     * Records the outcome of one optimizer step (called once per step, after the finiteness check).
     *
     * @param foundNonFinite whether any unscaled gradient held inf or NaN (the step was skipped)
     */
    public void update(boolean foundNonFinite) {
        if (foundNonFinite) {
            scale *= config.backoffFactor();
            cleanSteps = 0;
            skippedSteps++;
            return;
        }
        cleanSteps++;
        if (cleanSteps >= config.growthInterval()) {
            float grown = scale * config.growthFactor();
            if (Float.isFinite(grown)) {
                scale = grown;
            }
            cleanSteps = 0;
        }
    }
}
