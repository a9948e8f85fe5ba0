package org.medfusion.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The amp benchmark cell never measures a skipped step: its setup calibrates the loss scale (the step after setup is
 * a clean one), and a measured step that is skipped anyway fails the cell.
 */
class TrainingCellAmpTest {

    private static TrainingCell cell() {
        TrainingCell c = new TrainingCell();
        c.model = "resnet18";
        c.batch = 2;
        c.res = 32;
        c.segments = 2;
        c.precision = "amp";
        c.device = "cpu";
        c.split = "uniform";
        return c;
    }

    @Test
    void setupEndsOnACleanStepAndAPoisonedMeasuredStepFailsTheCell() {
        TrainingCell c = cell();
        c.setUp();
        try {
            assertFalse(c.step.lastStepSkipped(), "calibrated before measuring");
            assertTrue(c.step.stepCount() >= 1);
            assertTrue(Float.isFinite(c.recomputedForward()), "the recompute benchmark runs in half precision");
            c.measuring = true;
            // NaN images: NaN gradients, so the step is skipped; measured, that fails the cell
            c.images.muli(Float.NaN);
            SkippedStepException e = assertThrows(SkippedStepException.class, c::trainingStep);
            assertTrue(e.getMessage().contains("was skipped"), e.getMessage());
            c.measuring = false;
            c.trainingStep(); // a warm-up step may be skipped
            assertTrue(c.step.lastStepSkipped());
        } finally {
            c.tearDown();
        }
    }
}
