package org.medfusion.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.checkpoint.Split;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Device;
import org.medfusion.results.MemoryMethod;
import org.medfusion.results.Precision;

/**
 * {@code plan --sweep}'s logic on a synthetic profile with a synthetic measurer (the measured figures are set by
 * each test): the budgets, one measurement per distinct plan, and each verdict failing when its condition does.
 */
class BudgetSweepTest {

    static final CellKey KEY = new CellKey("resnet18", 2, 32, 4, Precision.FP32, Device.CPU);
    static final MemoryModel MODEL = new MemoryModel(SegmentPlannerTest.randomProfile(new Random(7), 10), 40);

    /** What a checkpointed step adds beyond its recomputed forwards, in the fixtures (ms). */
    static final double BEYOND_RECOMPUTE_MS = 5;

    /**
     * A measurement: the peak, recomputed forwards timed at {@code recomputeMs}, and timed steps whose paired plain
     * steps are 100 ms and whose extra time is the recompute plus {@link #BEYOND_RECOMPUTE_MS} (none for the plain step).
     */
    static CellResult measured(long peak, double recomputeMs) {
        double extra = recomputeMs > 0 ? recomputeMs + BEYOND_RECOMPUTE_MS : 0;
        List<Double> steps = List.of(100 + extra, 100 + extra, 100 + extra);
        return CellResult.builder(KEY, "resnet", CellStatus.OK).peak(peak, MemoryMethod.CPU_RSS_PEAK).memoryRepeats(List.of(peak))
                .stepMsSamples(steps).stepMs(100 + extra, null, null).pairedPlainMsSamples(List.of(100.0, 100.0, 100.0))
                .recomputeForwardMs(recomputeMs > 0 ? recomputeMs : null).build();
    }

    static CellResult splitMeasured(Split split, int segments) {
        MemoryModel.Prediction p = MODEL.predict(split.policy().plan(MODEL.blockCount(), segments));
        return measured(p.peakBytes(), p.overheadMs());
    }

    @Test
    void budgetsRunEvenlyFromTheLeastPeakToThePlainOne() {
        assertEquals(List.of(100L, 125L, 150L, 175L, 200L), BudgetSweep.budgets(100, 200, 5));
        assertEquals(List.of(7L, 7L), BudgetSweep.budgets(7, 7, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BudgetSweep.budgets(1, 2, 1));
        assertTrue(e.getMessage().contains("got 1"), e.getMessage());
    }

    @Test
    void exactPredictionsKeepEveryBudgetAndEachPlanIsMeasuredOnce() {
        List<SegmentPlan> measuredPlans = new ArrayList<>();
        BudgetSweep sweep = BudgetSweep.run(MODEL, 10, List.of(2, 4, 8, 40), p -> {
            measuredPlans.add(p.plan());
            return measured(p.predictedPeakBytes(), p.predictedOverheadMs());
        }, BudgetSweepTest::splitMeasured, 3);
        assertEquals(10, sweep.points().size());
        Set<SegmentPlan> distinct = new HashSet<>(measuredPlans);
        assertEquals(distinct.size(), measuredPlans.size(), "a plan chosen by several budgets is measured once");
        assertTrue(sweep.violations().isEmpty());
        assertTrue(sweep.orderInversions().isEmpty());
        assertEquals(sweep.leastPeakBytes(), sweep.points().get(0).budgetBytes());
        BudgetSweep.Point top = sweep.points().get(9);
        assertTrue(top.plan().plan().recomputesNothing(), "the plain step's peak buys the plain step");
        assertEquals(1.0, top.figures().pairedRatio());
        assertEquals(6, sweep.splits().size(), "uniform and torch at 2, 4 and 8; 40 is above the block count");
        for (BudgetSweep.Point p : sweep.points()) {
            assertEquals(0.0, p.figures().peakError());
            if (p.figures().predictedRecomputeMs() > 0) {
                assertEquals(0.0, p.figures().recomputeError(), 1e-9, "judged on the recomputed forwards timed alone");
                assertEquals(p.figures().predictedRecomputeMs() + BEYOND_RECOMPUTE_MS, p.figures().addedMs(), 1e-9,
                        "what the step gained, beside it");
            }
            if (p.sameAsBudget() >= 0) {
                assertEquals(p.plan().plan(), sweep.points().get(p.sameAsBudget()).plan().plan());
            }
        }
    }

    @Test
    void aPlanMeasuredAboveItsBudgetIsAViolationUnlessReplanningFixesIt() {
        // every checkpointed plan measures 30 % above its prediction; one plan measured per budget: no re-planning
        Function<PlannedSegments, CellResult> over = p -> measured(p.plan().recomputesNothing() ? p.predictedPeakBytes()
                : Math.round(p.predictedPeakBytes() * 1.3), p.predictedOverheadMs());
        BudgetSweep once = BudgetSweep.run(MODEL, 6, List.of(), over, BudgetSweepTest::splitMeasured, 1);
        assertFalse(once.violations().isEmpty());
        assertTrue(once.points().get(5).kept(), "the plain step measured as predicted keeps its budget");
        BudgetSweep replanned = BudgetSweep.run(MODEL, 6, List.of(), over, BudgetSweepTest::splitMeasured, 3);
        assertTrue(replanned.violations().size() < once.violations().size(), "re-planning with the error taken off keeps more budgets");
    }

    /**
     * No plan is predicted below the least-peak plan: when it measures above its prediction, no budget between the
     * two can be kept by any plan the model knows, so the sweep starts at its measured peak, and keeps it.
     */
    @Test
    void theFirstBudgetIsWhatTheLeastPeakPlanMeasured() {
        Function<PlannedSegments, CellResult> over = p -> measured(p.plan().recomputesNothing() ? p.predictedPeakBytes()
                : Math.round(p.predictedPeakBytes() * 1.3), p.predictedOverheadMs());
        BudgetSweep sweep = BudgetSweep.run(MODEL, 6, List.of(), over, BudgetSweepTest::splitMeasured, 3);
        long least = new SegmentPlanner(MODEL).minimumPeak();
        assertEquals(least, sweep.leastPeakBytes());
        assertEquals(Math.round(least * 1.3), sweep.points().get(0).budgetBytes());
        assertTrue(sweep.points().get(0).kept(), "the least-peak plan fits what it measured");
        assertTrue(sweep.points().get(0).figures().peakError() < -0.2, "its prediction error is still reported");
        assertEquals(least, BudgetSweep.firstBudget(least, least - 5, 1000), "measured below the prediction: the prediction");
        assertEquals(least, BudgetSweep.firstBudget(least, null, 1000), "not measured: the prediction");
        assertEquals(1000, BudgetSweep.firstBudget(least, 5000L, 1000), "never above the plain step's peak");
    }

    @Test
    void aLargerBudgetMeasuringLowerIsAnInversion() {
        BudgetSweep sweep = BudgetSweep.run(MODEL, 5, List.of(), p -> measured(p.plan().recomputesNothing() ? 10 : p.predictedPeakBytes(), 1),
                BudgetSweepTest::splitMeasured, 1);
        assertEquals(List.of(4), sweep.orderInversions(), "the plain step measured below every checkpointed plan");
    }

    @Test
    void theCheapestPlanAtHalfThePlainPeakIsTheLeastPairedRatioThatLow() {
        BudgetSweep sweep = BudgetSweep.run(MODEL, 8, List.of(2, 4), p -> measured(p.predictedPeakBytes(), p.predictedOverheadMs()),
                BudgetSweepTest::splitMeasured, 1);
        long plain = sweep.plainPeakBytes();
        double best = Double.MAX_VALUE;
        List<BudgetSweep.Figures> all = new ArrayList<>();
        sweep.points().forEach(p -> all.add(p.figures()));
        sweep.splits().forEach(s -> all.add(s.figures()));
        for (BudgetSweep.Figures f : all) {
            if (f.measuredPeakBytes() <= 0.5 * plain) {
                best = Math.min(best, f.pairedRatio());
            }
        }
        if (best == Double.MAX_VALUE) {
            assertTrue(sweep.cheapestAtMost(0.5).isEmpty());
        } else {
            assertEquals(best, sweep.cheapestAtMost(0.5).orElseThrow().pairedRatio());
        }
        assertTrue(sweep.cheapestAtMost(1.0).isPresent());
        assertEquals(1.0, sweep.cheapestAtMost(1.0).orElseThrow().pairedRatio(), "at the plain peak the plain step is cheapest");
    }

    @Test
    void thePlainStepIsMeasuredEvenWhenNoBudgetEndsOnIt() {
        // the plain step measures 30 % above its prediction: the largest budget is re-planned to a checkpointed plan,
        // so no budget's answer is the plain step; the sweep still measures it, once, and judges against it
        List<SegmentPlan> measuredPlans = new ArrayList<>();
        BudgetSweep sweep = BudgetSweep.run(MODEL, 4, List.of(), p -> {
            measuredPlans.add(p.plan());
            return measured(p.plan().recomputesNothing() ? Math.round(p.predictedPeakBytes() * 1.3) : p.predictedPeakBytes(),
                    p.predictedOverheadMs());
        }, BudgetSweepTest::splitMeasured, 3);
        assertTrue(sweep.points().stream().noneMatch(p -> p.plan().plan().recomputesNothing()), "no budget ends on the plain step");
        assertEquals(1, measuredPlans.stream().filter(SegmentPlan::recomputesNothing).count(), "the plain step is measured once");
        assertEquals(Math.round(sweep.plainPeakBytes() * 1.3), sweep.plain().figures().measuredPeakBytes());
        assertTrue(sweep.cheapestAtMost(1.0).isPresent(), "judged against the measured plain step");
    }

    @Test
    void aFailedMeasurementLeavesItsFiguresMissing() {
        BudgetSweep sweep = BudgetSweep.run(MODEL, 3, List.of(), p -> CellResult.failed(KEY, "resnet", CellStatus.ERROR, "boom"),
                BudgetSweepTest::splitMeasured, 3);
        for (BudgetSweep.Point p : sweep.points()) {
            assertEquals(null, p.figures().measuredPeakBytes());
            assertFalse(p.kept());
            assertEquals(1, p.verification().attempts().size(), "a failed measurement is not re-planned");
        }
        assertTrue(sweep.cheapestAtMost(0.5).isEmpty());
    }
}
