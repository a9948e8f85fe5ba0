package org.medfusion.bench;

import org.medfusion.train.TrainingStep;

/**
 * A measured mixed-precision step was skipped (its gradients held inf or NaN, so the optimizer did not update): its
 * time and memory are not those of a training step, so the cell fails instead of reporting them.
 */
public final class SkippedStepException extends IllegalStateException {

    public SkippedStepException(TrainingStep step) {
        super("mixed precision: measured step " + step.stepCount() + " was skipped (inf/NaN gradients, no optimizer "
                + "update; loss scale now " + step.mixedPrecision().scaler().scale() + ", "
                + step.mixedPrecision().scaler().skippedSteps() + " skipped in this fork): not a training step, "
                + "the cell is not reported");
    }
}
