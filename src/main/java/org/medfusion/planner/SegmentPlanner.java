package org.medfusion.planner;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.medfusion.checkpoint.SegmentPlan;

/**
 * Finds segment plans from a {@link MemoryModel} by dynamic programming over block boundaries.
 *
 * <p>The step peak is {@code max_k (P_k + cost_k)} where {@code P_k}, the boundaries held while segment k
 * runs, depends on every earlier cut. The program therefore walks the chain left to right and keeps, for
 * each (cut position, segments so far), the Pareto front of partial plans over (boundaries held, peak so
 * far, recompute time so far): a partial plan dominated in all three can never complete into a better
 * plan, because every later cost only adds to the first and takes a maximum with the second. The fronts
 * hold every plan that can still be optimal, so the results are exact (the tests check them against
 * enumeration of all plans); with {@code n} blocks the work is {@code O(n^3)} times the front size.
 */
public final class SegmentPlanner {

    private final MemoryModel model;
    private final int n;
    private final long[][] recomputedCost;
    private final double[][] recomputeMs;
    private final long[] storedCost;
    /** finals.get(s - 1): every non-dominated complete plan with s segments. */
    private final List<List<Label>> finals;

    public SegmentPlanner(MemoryModel model) {
        this.model = model;
        this.n = model.blockCount();
        recomputedCost = new long[n + 1][n + 1];
        recomputeMs = new double[n + 1][n + 1];
        storedCost = new long[n];
        for (int j = 0; j < n; j++) {
            storedCost[j] = model.storedCost(j, n);
            for (int e = j + 1; e < n; e++) {
                recomputedCost[j][e] = model.recomputedCost(j, e);
                recomputeMs[j][e] = model.recomputeMs(j, e);
            }
        }
        finals = search();
    }

    private record Label(long held, long peak, double time, int start, int end, Label previous) {
        boolean dominates(Label o) {
            return held <= o.held && peak <= o.peak && time <= o.time;
        }
    }

    private List<List<Label>> search() {
        // fronts[j][m]: partial plans whose m recomputed segments cover blocks [0, j)
        List<List<List<Label>>> fronts = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            List<List<Label>> row = new ArrayList<>();
            for (int m = 0; m < n; m++) {
                row.add(new ArrayList<>());
            }
            fronts.add(row);
        }
        fronts.get(0).get(0).add(new Label(0, 0, 0, 0, 0, null));
        List<List<Label>> done = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            done.add(new ArrayList<>());
        }
        for (int j = 0; j < n; j++) {
            for (int m = 0; m <= j; m++) {
                for (Label l : fronts.get(j).get(m)) {
                    // stored last segment [j, n): a complete plan with m + 1 segments
                    insert(done.get(m), new Label(0, Math.max(Math.max(l.peak, l.held + storedCost[j]), model.updatePeakBytes()), l.time, j, n, l));
                    for (int e = j + 1; e < n; e++) {
                        insert(fronts.get(e).get(m + 1), new Label(l.held + model.boundaryBytes(e),
                                Math.max(l.peak, l.held + recomputedCost[j][e]), l.time + recomputeMs[j][e], j, e, l));
                    }
                }
            }
        }
        return done;
    }

    private static void insert(List<Label> front, Label candidate) {
        for (Label l : front) {
            if (l.dominates(candidate)) {
                return;
            }
        }
        front.removeIf(candidate::dominates);
        front.add(candidate);
    }

    /**
     * The plan with {@code segments} segments whose predicted peak is least (ties: least recompute time).
     *
     * @throws IllegalArgumentException unless 1 &lt;= segments &lt;= number of blocks
     */
    public PlannedSegments leastPeak(int segments) {
        if (segments < 1 || segments > n) {
            throw new IllegalArgumentException("segments must be between 1 and " + n + " (the number of blocks), got " + segments);
        }
        Label best = finals.get(segments - 1).stream()
                .min(Comparator.comparingLong(Label::peak).thenComparingDouble(Label::time)).orElseThrow();
        return toPlan(best);
    }

    /**
     * The plan, with any segment count, of least predicted recompute time whose predicted peak is at most
     * {@code budgetBytes} (ties: lower peak, then fewer segments); empty when none fits.
     */
    public Optional<PlannedSegments> cheapestWithin(long budgetBytes) {
        Label best = null;
        for (int s = 1; s <= n; s++) {
            for (Label l : finals.get(s - 1)) {
                if (l.peak > budgetBytes) {
                    continue;
                }
                if (best == null || l.time < best.time || (l.time == best.time && l.peak < best.peak)) {
                    best = l;
                }
            }
        }
        return best == null ? Optional.empty() : Optional.of(toPlan(best));
    }

    /** The least predicted peak of any plan: a budget below it cannot be met. */
    public long minimumPeak() {
        long min = Long.MAX_VALUE;
        for (List<Label> front : finals) {
            for (Label l : front) {
                min = Math.min(min, l.peak);
            }
        }
        return min;
    }

    private PlannedSegments toPlan(Label last) {
        Deque<SegmentPlan.Range> ranges = new ArrayDeque<>();
        for (Label l = last; l != null && l.end > l.start; l = l.previous) {
            ranges.addFirst(new SegmentPlan.Range(l.start, l.end));
        }
        SegmentPlan plan = SegmentPlan.of(new ArrayList<>(ranges));
        MemoryModel.Prediction p = model.predict(plan);
        return new PlannedSegments(plan, p.peakBytes(), p.overheadMs());
    }
}
