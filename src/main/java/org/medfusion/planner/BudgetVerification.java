package org.medfusion.planner;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;

/**
 * {@code plan --budget --measure}: a plan is only reported as fitting once its measured peak fits.
 *
 * <p>Why: the memory model's predictions are within a few percent, but a plan chosen right at the budget can measure
 * just above it (ResNet-50 b16 112 px at 150 MiB: predicted 148.2 MiB, measured 153.6 MiB). When a measured peak
 * exceeds the budget, the model under-predicted that plan by (measured - predicted); the planner is asked again for a
 * budget smaller by that error, and the new plan is measured, up to {@code maxAttempts} plans. The result lists every
 * attempt; whether the last one fits is the verdict.
 *
 * @param attempts every plan measured, in order; the last one is the answer
 */
public record BudgetVerification(long budgetBytes, List<Attempt> attempts) {

    /** One plan and its measurement. */
    public record Attempt(PlannedSegments plan, long plannedForBytes, CellResult measured) {

        /** Whether the measurement is ok and its peak fits {@code budgetBytes}. */
        public boolean fits(long budgetBytes) {
            return measured.status() == CellStatus.OK && measured.peakBytes() != null && measured.peakBytes() <= budgetBytes;
        }
    }

    public BudgetVerification {
        attempts = List.copyOf(attempts);
        if (attempts.isEmpty()) {
            throw new IllegalArgumentException("a verification measures at least one plan");
        }
    }

    public Attempt last() {
        return attempts.get(attempts.size() - 1);
    }

    /** Whether the last plan was measured and fits the budget. */
    public boolean fits() {
        return last().fits(budgetBytes);
    }

    /**
     * Measures {@code first}; while its measured peak exceeds the budget, plans again for the budget less the
     * prediction's error on the last plan and measures that, until a plan fits, no plan fits the smaller budget, the
     * planner returns the same plan, a measurement fails, or {@code maxAttempts} plans were measured.
     *
     * @param planFor the planner: the cheapest plan whose predicted peak fits a budget, if any
     * @param measure measures a plan exactly (a failed measurement is a cell with a non-ok status)
     */
    public static BudgetVerification run(long budgetBytes, PlannedSegments first, LongFunction<Optional<PlannedSegments>> planFor,
            Function<PlannedSegments, CellResult> measure, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        List<Attempt> attempts = new ArrayList<>();
        PlannedSegments plan = first;
        long target = budgetBytes;
        while (true) {
            Attempt a = new Attempt(plan, target, measure.apply(plan));
            attempts.add(a);
            if (a.fits(budgetBytes) || a.measured().status() != CellStatus.OK || a.measured().peakBytes() == null
                    || attempts.size() >= maxAttempts) {
                break;
            }
            long underPrediction = a.measured().peakBytes() - plan.predictedPeakBytes();
            target = Math.min(target - 1, budgetBytes - Math.max(underPrediction, 0));
            Optional<PlannedSegments> next = planFor.apply(target);
            if (next.isEmpty() || next.get().plan().equals(plan.plan())) {
                break;
            }
            plan = next.get();
        }
        return new BudgetVerification(budgetBytes, attempts);
    }
}
