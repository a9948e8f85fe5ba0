package org.medfusion.train;

import ai.djl.ndarray.NDArray;
import org.medfusion.train.precision.LossScaler;

/**
 * Brings a mixed-precision step's loss scale to a value at which the batch trains, before anything is measured.
 * GradScaler starts at 2^16, which overflows the float16 gradients of most randomly initialised networks: the first
 * steps are skipped (no optimizer update) while the scale halves. A benchmark that measured those would report a
 * skipped step as a training step, so its setup runs steps until one is clean after the last backoff.
 *
 * @param steps steps run (skipped and clean)
 * @param skipped of which skipped
 * @param scale the loss scale reached
 */
public record LossScaleCalibration(int steps, long skipped, float scale) {

    /** Enough halvings to take GradScaler's 2^16 below float16's smallest subnormal (2^-24), and a few more. */
    public static final int DEFAULT_MAX_STEPS = 48;

    public static LossScaleCalibration run(TrainingStep step, NDArray images, NDArray labels) {
        return run(step, images, labels, DEFAULT_MAX_STEPS);
    }

    /**
     * Runs full training steps on {@code images}/{@code labels} until one is not skipped (at most {@code maxSteps}).
     *
     * @throws IllegalArgumentException when {@code step} is not a mixed-precision step or {@code maxSteps < 1}
     * @throws IllegalStateException when every one of the {@code maxSteps} steps was skipped
     */
    public static LossScaleCalibration run(TrainingStep step, NDArray images, NDArray labels, int maxSteps) {
        if (step.mixedPrecision() == null) {
            throw new IllegalArgumentException("loss-scale calibration needs a mixed-precision training step, got float32");
        }
        if (maxSteps < 1) {
            throw new IllegalArgumentException("calibration steps must be >= 1, got " + maxSteps);
        }
        LossScaler scaler = step.mixedPrecision().scaler();
        long skippedBefore = scaler.skippedSteps();
        for (int i = 1; i <= maxSteps; i++) {
            step.step(images, labels);
            if (!step.lastStepSkipped()) {
                return new LossScaleCalibration(i, scaler.skippedSteps() - skippedBefore, scaler.scale());
            }
        }
        throw new IllegalStateException("mixed precision: all " + maxSteps + " calibration steps were skipped (inf/NaN "
                + "gradients), loss scale now " + scaler.scale() + "; the model does not train in float16 at any scale");
    }
}
