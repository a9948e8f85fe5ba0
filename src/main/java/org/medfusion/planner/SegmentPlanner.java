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
 * <p>The step peak is {@code max_k (P_k + cost_k)} where {@code P_k}, what the segments before k keep while it
 * runs, depends on every earlier cut and on which earlier segments are stored. The program therefore walks the
 * chain left to right and keeps, for each cut position, the Pareto front of partial plans over (bytes held,
 * peak so far, recompute time so far): a partial plan dominated in all three can never complete into a better
 * plan, because every later cost only adds to the first and takes a maximum with the second. The fronts hold
 * every plan that can still be optimal, so the results are exact (the tests check them against enumeration of
 * all plans). Two searches share this: the count-based one ({@link #leastPeak}: every segment recomputed but the
 * last, fronts also indexed by the segment count, {@code O(n^3)} times the front size for {@code n} blocks), and
 * the one the budget uses ({@link #cheapestWithin}, {@link #minimumPeak}), where each segment may also be stored
 * ({@code O(n^2)} times the front size).
 */
public final class SegmentPlanner {

    private final MemoryModel model;
    private final int n;
    private final long[][] recomputedCost;
    private final double[][] recomputeMs;
    private final long[][] storedCost;
    private final long[][] storedKept;
    /** finals.get(s - 1): every non-dominated complete count-based plan with s segments; searched on first use. */
    private List<List<Label>> finals;
    /** Every non-dominated complete plan, segments stored or recomputed, any count. */
    private final List<Label> mixedFinals;

    public SegmentPlanner(MemoryModel model) {
        this.model = model;
        this.n = model.blockCount();
        recomputedCost = new long[n + 1][n + 1];
        recomputeMs = new double[n + 1][n + 1];
        storedCost = new long[n + 1][n + 1];
        storedKept = new long[n + 1][n + 1];
        for (int j = 0; j < n; j++) {
            for (int e = j + 1; e <= n; e++) {
                storedCost[j][e] = model.storedCost(j, e);
                storedKept[j][e] = model.storedKeptBytes(j, e);
                if (e < n) {
                    recomputedCost[j][e] = model.recomputedCost(j, e);
                    recomputeMs[j][e] = model.recomputeMs(j, e);
                }
            }
        }
        mixedFinals = mixedSearch();
    }

    /** A partial plan ending with segment [start, end); {@code segments} counts its segments. */
    private record Label(long held, long peak, double time, int segments, int start, int end, boolean recomputed, Label previous) {
        /** Dominance in (held, peak, time); among equals, fewer segments win. */
        boolean dominates(Label o) {
            boolean noWorse = held <= o.held && peak <= o.peak && time <= o.time;
            boolean equal = held == o.held && peak == o.peak && time == o.time;
            return noWorse && (!equal || segments <= o.segments);
        }

        /** This partial plan followed by segment [end, e). */
        Label then(int e, boolean recomputedNext, long addHeld, long cost, double ms) {
            return new Label(held + addHeld, Math.max(peak, held + cost), time + ms, segments + 1, end, e, recomputedNext, this);
        }
    }

    private Label start() {
        return new Label(0, model.updatePeakBytes(), 0, 0, 0, 0, false, null);
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
        fronts.get(0).get(0).add(start());
        List<List<Label>> done = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            done.add(new ArrayList<>());
        }
        for (int j = 0; j < n; j++) {
            for (int m = 0; m <= j; m++) {
                for (Label l : fronts.get(j).get(m)) {
                    // stored last segment [j, n): a complete plan with m + 1 segments
                    insert(done.get(m), l.then(n, false, 0, storedCost[j][n], 0));
                    for (int e = j + 1; e < n; e++) {
                        insert(fronts.get(e).get(m + 1), l.then(e, true, model.boundaryBytes(e), recomputedCost[j][e], recomputeMs[j][e]));
                    }
                }
            }
        }
        return done;
    }

    /** The search over plans whose segments before the last may each be stored or recomputed. */
    private List<Label> mixedSearch() {
        // fronts[j]: partial plans covering blocks [0, j)
        List<List<Label>> fronts = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            fronts.add(new ArrayList<>());
        }
        fronts.get(0).add(start());
        List<Label> done = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            for (Label l : fronts.get(j)) {
                if (beatenByComplete(done, l)) {
                    continue; // a complete plan found since it was inserted is no worse in peak and time
                }
                insert(done, l.then(n, false, 0, storedCost[j][n], 0));
                for (int e = j + 1; e < n; e++) {
                    insertPartial(fronts.get(e), done, l.then(e, true, model.boundaryBytes(e), recomputedCost[j][e], recomputeMs[j][e]));
                    insertPartial(fronts.get(e), done, l.then(e, false, storedKept[j][e], storedCost[j][e], 0));
                }
            }
        }
        return done;
    }
    /**
     * Inserts a partial plan unless a complete plan already found is no worse in peak and in recompute time: what is
     * still to come can only raise a partial plan's peak and time, so it can never beat that plan (exact pruning; it
     * keeps the fronts small where a few complete plans dominate most partial ones: EfficientNetV2-L's 82 blocks at
     * batch 2, 32 px took 5.2-7.6 s to plan without it, 20 ms with it).
     */
    private static void insertPartial(List<Label> front, List<Label> done, Label candidate) {
        if (!beatenByComplete(done, candidate)) {
            insert(front, candidate);
        }
    }

    private static boolean beatenByComplete(List<Label> done, Label partial) {
        for (Label c : done) {
            // a completion has at least one more segment: c also wins the ties (lower peak, then fewer segments)
            if (c.peak <= partial.peak && c.time <= partial.time && c.segments <= partial.segments + 1) {
                return true;
            }
        }
        return false;
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
     * The count-based plan (every segment recomputed but the last: what a cell's {@code split: optimal} runs) with
     * {@code segments} segments whose predicted peak is least (ties: least recompute time).
     *
     * @throws IllegalArgumentException unless 1 &lt;= segments &lt;= number of blocks
     */
    public PlannedSegments leastPeak(int segments) {
        if (segments < 1 || segments > n) {
            throw new IllegalArgumentException("segments must be between 1 and " + n + " (the number of blocks), got " + segments);
        }
        if (finals == null) {
            finals = search();
        }
        Label best = finals.get(segments - 1).stream()
                .min(Comparator.comparingLong(Label::peak).thenComparingDouble(Label::time)).orElseThrow();
        return toPlan(best);
    }

    /**
     * The plan, with any segment count and any of its segments stored, of least predicted recompute time whose
     * predicted peak is at most {@code budgetBytes} (ties: lower peak, then fewer segments); empty when none fits.
     * A budget that fits the plain step gets it (one segment, no recompute).
     */
    public Optional<PlannedSegments> cheapestWithin(long budgetBytes) {
        Label best = null;
        for (Label l : mixedFinals) {
            if (l.peak > budgetBytes) {
                continue;
            }
            if (best == null || fasterThan(l, best) || (!fasterThan(best, l)
                    && (l.peak < best.peak || (l.peak == best.peak && l.segments < best.segments)))) {
                best = l;
            }
        }
        return best == null ? Optional.empty() : Optional.of(toPlan(best));
    }

    /**
     * Whether {@code a} recomputes less than {@code b} by more than rounding: the same blocks summed per segment in
     * another grouping differ in the last bits (ViT-B/16 b8 112 px: {@code [0,2) [2,7)} came out below {@code [0,7)}),
     * which must tie, so that the lower peak wins.
     */
    private static boolean fasterThan(Label a, Label b) {
        return a.time < b.time - 1e-9 * Math.max(1, Math.abs(b.time));
    }

    /** The least predicted peak of any plan (segments stored or recomputed): a budget below it cannot be met. */
    public long minimumPeak() {
        return mixedFinals.stream().mapToLong(Label::peak).min().orElseThrow();
    }

    private PlannedSegments toPlan(Label last) {
        Deque<SegmentPlan.Range> ranges = new ArrayDeque<>();
        Deque<Boolean> recomputed = new ArrayDeque<>();
        for (Label l = last; l != null && l.end > l.start; l = l.previous) {
            ranges.addFirst(new SegmentPlan.Range(l.start, l.end));
            recomputed.addFirst(l.recomputed);
        }
        SegmentPlan plan = SegmentPlan.of(new ArrayList<>(ranges), new ArrayList<>(recomputed));
        MemoryModel.Prediction p = model.predict(plan);
        return new PlannedSegments(plan, p.peakBytes(), p.overheadMs());
    }
}
