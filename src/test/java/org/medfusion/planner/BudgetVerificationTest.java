package org.medfusion.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.medfusion.results.MemoryMethod;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;

/** plan --budget --measure: a plan counts as fitting only when its measured peak fits (synthetic planner and measurer). */
class BudgetVerificationTest {

    static final CellKey KEY = new CellKey("resnet50", 16, 112, 4, Precision.FP32, Device.CPU);

    /** Plans of 2..6 segments over 12 blocks, predicted peaks 150, 130, 110, 90, 70. */
    static PlannedSegments plan(int segments) {
        return new PlannedSegments(SegmentPlan.uniform(12, segments), 150 - 20L * (segments - 2), segments * 10.0);
    }

    /** The cheapest plan (fewest segments) whose predicted peak fits. */
    static Optional<PlannedSegments> planner(long budget) {
        for (int s = 2; s <= 6; s++) {
            if (plan(s).predictedPeakBytes() <= budget) {
                return Optional.of(plan(s));
            }
        }
        return Optional.empty();
    }

    static CellResult measured(long peak) {
        return CellResult.builder(KEY, "resnet", CellStatus.OK).peak(peak, MemoryMethod.CPU_RSS_PEAK).memoryRepeats(List.of(peak)).build();
    }

    @Test
    void aPlanThatMeasuresWithinTheBudgetIsMeasuredOnce() {
        List<PlannedSegments> measuredPlans = new ArrayList<>();
        BudgetVerification v = BudgetVerification.run(135, planner(135).orElseThrow(), BudgetVerificationTest::planner,
                p -> {
                    measuredPlans.add(p);
                    return measured(p.predictedPeakBytes() + 3);
                }, 3);
        assertTrue(v.fits());
        assertEquals(1, measuredPlans.size());
        assertEquals(plan(3).plan(), v.last().plan().plan());
    }

    /** Measured 8 above the prediction and over the budget: the next plan is chosen for the budget less 8, and fits. */
    @Test
    void anOvershootTightensTheBudgetByThePredictionsError() {
        Map<Integer, Long> truePeaks = Map.of(3, 138L, 4, 112L);
        BudgetVerification v = BudgetVerification.run(135, planner(135).orElseThrow(), BudgetVerificationTest::planner,
                p -> measured(truePeaks.get(p.segments())), 3);
        assertEquals(2, v.attempts().size());
        assertEquals(135 - 8, v.attempts().get(1).plannedForBytes());
        assertEquals(4, v.last().plan().segments());
        assertTrue(v.fits());
    }

    @Test
    void stopsWhenNothingFitsOrTheAttemptsRunOut() {
        BudgetVerification none = BudgetVerification.run(75, planner(75).orElseThrow(), BudgetVerificationTest::planner,
                p -> measured(p.predictedPeakBytes() + 20), 3);
        assertFalse(none.fits(), "the 6-segment plan measured 90 > 75 and no plan fits 55");
        assertEquals(1, none.attempts().size());
        BudgetVerification capped = BudgetVerification.run(150, planner(150).orElseThrow(), BudgetVerificationTest::planner,
                p -> measured(p.predictedPeakBytes() + 1 + 150 - p.predictedPeakBytes()), 2);
        assertFalse(capped.fits());
        assertEquals(2, capped.attempts().size(), "maxAttempts bounds the measurements");
    }

    @Test
    void aFailedMeasurementEndsTheSearchWithoutAVerdictOfFit() {
        BudgetVerification v = BudgetVerification.run(135, planner(135).orElseThrow(), BudgetVerificationTest::planner,
                p -> CellResult.failed(KEY, "resnet", CellStatus.ERROR, "boom"), 3);
        assertFalse(v.fits());
        assertEquals(1, v.attempts().size());
    }
}
