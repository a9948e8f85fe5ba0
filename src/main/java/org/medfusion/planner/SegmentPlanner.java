package org.medfusion.planner;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.medfusion.checkpoint.SegmentPlan;

/**
 * Finds segment plans from a {@link MemoryModel} by dynamic programming over block boundaries, exactly.
 *
 * <p>The step peak is {@code max_k (H_k + cost_k)}, where {@code H_k}, what the segments before segment k hold
 * while it runs, grows with every earlier cut (a boundary kept, or a stored segment's activations). Walking the
 * chain left to right, a partial plan is therefore described by the bytes it holds, its peak so far and its
 * recompute time so far; whatever follows adds to the first and third and takes a maximum with the second.
 *
 * <p>Each question fixes a peak bound first, which is what keeps the search small on long chains:
 * <ul>
 *   <li>{@link #cheapestWithin}: a partial plan whose peak already exceeds the budget, or whose held bytes leave no
 *       room for the cheapest next segment, is dropped; among the rest a partial plan is dominated by one that holds
 *       no more and recomputes strictly less (or as much, at no higher peak with no more segments). The fronts are
 *       two-dimensional (held, time) instead of the three-dimensional (held, peak, time) of searching every budget
 *       at once, which on EfficientNetV2-L at batch 8, 112 px (82 blocks) did not finish in 8 minutes. Where the
 *       fronts still grow large (that chain: a few hundred plans per cut), the search starts again pruned by
 *       {@link TimeBounds} on the time still to come: 0.1-0.2 s per budget there, cold.</li>
 *   <li>{@link #minimumPeak} and {@link #leastPeak}: whether any plan fits a bound only depends on the least bytes
 *       held at each cut, one number per cut (per cut and segment count for {@link #leastPeak}), so the least peak
 *       is found by bisection over the bound; then the least recompute time at that peak by the front search.</li>
 * </ul>
 * Recompute times are summed as whole nanoseconds, so that plans recomputing the same blocks in another grouping
 * tie exactly (ViT-B/16 b8 112 px: {@code [0,2) [2,7)} summed in doubles came out below {@code [0,7)}) and the lower
 * peak wins the tie. The tests check every answer against enumeration of all plans.
 */
public final class SegmentPlanner {

    private static final long NO_PLAN = Long.MAX_VALUE;
    /** Held-byte levels of {@link TimeBounds}: finer bounds prune more and cost {@code O(n^2)} each. */
    private static final int LEVELS = 2048;
    /** Front comparisons a mixed search makes before it starts again with {@link TimeBounds}. */
    private static final long UNBOUNDED_WORK = 2_000_000;
    private static final Label GAVE_UP = new Label(0, 0, 0, 0, 0, 0, false, null);

    private final MemoryModel model;
    private final int n;
    private final long[][] recomputedCost;
    private final long[][] storedCost;
    private final long[][] storedKept;
    private final long[] boundary;
    /** recomputeNs[j][e]: the recompute time of blocks [j, e) in whole nanoseconds. */
    private final long[][] recomputeNs;
    /** cheapestNext[j]: the least cost of any segment starting at block j, a floor under what a plan from j needs. */
    private final long[] cheapestNext;
    private final long unboundedWork;

    public SegmentPlanner(MemoryModel model) {
        this(model, UNBOUNDED_WORK);
    }

    /** @param unboundedWork comparisons a mixed search makes without {@link TimeBounds} (tests force them with 0) */
    SegmentPlanner(MemoryModel model, long unboundedWork) {
        this.model = model;
        this.unboundedWork = unboundedWork;
        this.n = model.blockCount();
        recomputedCost = new long[n + 1][n + 1];
        storedCost = new long[n + 1][n + 1];
        storedKept = new long[n + 1][n + 1];
        recomputeNs = new long[n + 1][n + 1];
        boundary = new long[n + 1];
        long[] forwardNs = new long[n + 1];
        for (int i = 0; i < n; i++) {
            forwardNs[i + 1] = forwardNs[i] + Math.round(model.recomputeMs(i, i + 1) * 1e6);
            boundary[i + 1] = model.boundaryBytes(i + 1);
        }
        cheapestNext = new long[n + 1];
        for (int j = 0; j < n; j++) {
            cheapestNext[j] = NO_PLAN;
            for (int e = j + 1; e <= n; e++) {
                storedCost[j][e] = model.storedCost(j, e);
                storedKept[j][e] = model.storedKeptBytes(j, e);
                cheapestNext[j] = Math.min(cheapestNext[j], storedCost[j][e]);
                if (e < n) {
                    recomputedCost[j][e] = model.recomputedCost(j, e);
                    recomputeNs[j][e] = forwardNs[e] - forwardNs[j];
                    cheapestNext[j] = Math.min(cheapestNext[j], recomputedCost[j][e]);
                }
            }
        }
    }

    /** A partial plan ending with segment [start, end); {@code segments} counts its segments. */
    private record Label(long held, long peak, long time, int segments, int start, int end, boolean recomputed, Label previous) {

        /**
         * Whether every completion of {@code o} is beaten or matched by the same completion of this plan under the
         * order (time, then peak, then segments): it holds no more and recomputes strictly less, or as much at no
         * higher peak with no more segments.
         */
        boolean dominates(Label o) {
            return held <= o.held && (time < o.time || (time == o.time && peak <= o.peak && segments <= o.segments));
        }

        /** This partial plan followed by segment [end, e). */
        Label then(int e, boolean recomputedNext, long addHeld, long cost, long ns) {
            return new Label(held + addHeld, Math.max(peak, held + cost), time + ns, segments + 1, end, e, recomputedNext, this);
        }

        /**
         * Whether no completion of this partial plan can beat the complete plan {@code best}: a completion adds
         * time and at least one segment, and its peak is at least this plan's.
         */
        boolean cannotBeat(Label best) {
            if (time != best.time) {
                return time > best.time;
            }
            return peak != best.peak ? peak > best.peak : segments + 1 >= best.segments;
        }

        /** Better than {@code o} as a complete plan: less time, then lower peak, then fewer segments. */
        boolean betterThan(Label o) {
            if (time != o.time) {
                return time < o.time;
            }
            return peak != o.peak ? peak < o.peak : segments < o.segments;
        }
    }

    private Label start() {
        return new Label(0, model.updatePeakBytes(), 0, 0, 0, 0, false, null);
    }

    /**
     * The plan, with any segment count and any of its segments stored, of least predicted recompute time whose
     * predicted peak is at most {@code budgetBytes} (ties: lower peak, then fewer segments); empty when none fits.
     * A budget that fits the plain step gets it (one segment, no recompute).
     */
    public Optional<PlannedSegments> cheapestWithin(long budgetBytes) {
        Label best = frontSearch(budgetBytes, true, -1, null);
        if (best == GAVE_UP) {
            best = frontSearch(budgetBytes, true, -1, new TimeBounds(budgetBytes));
        }
        return best == null ? Optional.empty() : Optional.of(toPlan(best));
    }

    /** The least predicted peak of any plan (segments stored or recomputed): a budget below it cannot be met. */
    public long minimumPeak() {
        return leastFeasible(bound -> leastHeldFits(bound, true, -1));
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
        long peak = leastFeasible(bound -> leastHeldFits(bound, false, segments));
        return toPlan(frontSearch(peak, false, segments, null));
    }

    private interface Feasibility {
        boolean fits(long bound);
    }

    /** The least bound that {@code feasible} accepts, by bisection between the update's floor and the plain peak. */
    private long leastFeasible(Feasibility feasible) {
        long lo = model.updatePeakBytes() - 1; // infeasible or below every plan
        long hi = Math.max(model.updatePeakBytes(), storedCost[0][n]); // the plain step
        while (!feasible.fits(hi)) { // a count-based plan can peak above the plain step
            hi = Math.addExact(hi, Math.max(hi, 1));
        }
        while (hi - lo > 1) {
            long mid = lo + (hi - lo) / 2;
            if (feasible.fits(mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    /**
     * Whether some plan peaks at most {@code bound}: for that only the least bytes held at each cut matter.
     *
     * @param mixed whether segments before the last may be stored; if not, exactly {@code segments} segments
     */
    private boolean leastHeldFits(long bound, boolean mixed, int segments) {
        if (model.updatePeakBytes() > bound) {
            return false;
        }
        int counts = mixed ? 1 : segments;
        long[][] least = new long[n][counts];
        for (long[] row : least) {
            Arrays.fill(row, NO_PLAN);
        }
        least[0][0] = 0;
        for (int j = 0; j < n; j++) {
            for (int m = 0; m < counts; m++) {
                long held = least[j][m];
                if (held == NO_PLAN || held + cheapestNext[j] > bound) {
                    continue;
                }
                if ((mixed || m == segments - 1) && held + storedCost[j][n] <= bound) {
                    return true;
                }
                int next = mixed ? 0 : m + 1;
                if (next >= counts) {
                    continue;
                }
                for (int e = j + 1; e < n; e++) {
                    if (held + recomputedCost[j][e] <= bound) {
                        least[e][next] = Math.min(least[e][next], held + boundary[e]);
                    }
                    if (mixed && held + storedCost[j][e] <= bound) {
                        least[e][next] = Math.min(least[e][next], held + storedKept[j][e]);
                    }
                }
            }
        }
        return false;
    }

    /**
     * The best complete plan (least time, then lower peak, then fewer segments) whose peak is at most {@code bound},
     * or null. Count-based when {@code mixed} is false: exactly {@code segments} segments, all recomputed but the last.
     * A mixed search without {@code bounds} gives up ({@link #GAVE_UP}) after {@link #UNBOUNDED_WORK} comparisons of partial
     * plans: the bounds cost {@code O(n^2)} times their levels to compute, more than the whole search on most models.
     */
    private Label frontSearch(long bound, boolean mixed, int segments, TimeBounds bounds) {
        Label first = start();
        if (first.peak > bound) {
            return null;
        }
        int counts = mixed ? 1 : segments;
        List<List<List<Label>>> fronts = new ArrayList<>(); // fronts[j][m]: partial plans covering [0, j)
        for (int j = 0; j < n; j++) {
            List<List<Label>> row = new ArrayList<>();
            for (int m = 0; m < counts; m++) {
                row.add(new ArrayList<>());
            }
            fronts.add(row);
        }
        fronts.get(0).get(0).add(first);
        Label best = null;
        long work = 0;
        for (int j = 0; j < n; j++) {
            for (int m = 0; m < counts; m++) {
                for (Label l : fronts.get(j).get(m)) {
                    if ((best != null && l.cannotBeat(best)) || (bounds != null && bounds.exceeds(l.held, l.time, j))) {
                        continue;
                    }
                    if (mixed && bounds == null && work >= unboundedWork) {
                        return GAVE_UP;
                    }
                    if ((mixed || m == segments - 1) && l.held + storedCost[j][n] <= bound) {
                        Label done = l.then(n, false, 0, storedCost[j][n], 0);
                        if (best == null || done.betterThan(best)) {
                            best = done;
                            if (bounds != null) {
                                bounds.upper = Math.min(bounds.upper, best.time);
                            }
                        }
                    }
                    int next = mixed ? 0 : m + 1;
                    if (next >= counts) {
                        continue;
                    }
                    for (int e = j + 1; e < n; e++) {
                        if (l.held + recomputedCost[j][e] <= bound && promising(l.held + boundary[e], l.time + recomputeNs[j][e], e, bound, bounds)) {
                            work += offer(fronts.get(e).get(next), l.then(e, true, boundary[e], recomputedCost[j][e], recomputeNs[j][e]));
                        }
                        if (mixed && l.held + storedCost[j][e] <= bound && promising(l.held + storedKept[j][e], l.time, e, bound, bounds)) {
                            work += offer(fronts.get(e).get(next), l.then(e, false, storedKept[j][e], storedCost[j][e], 0));
                        }
                    }
                }
            }
        }
        return best;
    }

    /** Adds a partial plan at cut {@code e} unless no segment can follow it within the bound or another dominates it. */
    /** Whether a partial plan at cut {@code e} holding {@code held} after {@code time} can still be the answer. */
    private boolean promising(long held, long time, int e, long bound, TimeBounds bounds) {
        return held + cheapestNext[e] <= bound && (bounds == null || !bounds.exceeds(held, time, e));
    }

    /**
     * Adds a partial plan to a front unless another dominates it; drops those it dominates. Returns the work done:
     * the front's size.
     */
    private static int offer(List<Label> front, Label candidate) {
        int size = front.size();
        for (Label l : front) {
            if (l.dominates(candidate)) {
                return size;
            }
        }
        front.removeIf(candidate::dominates);
        front.add(candidate);
        return size;
    }

    /**
     * Bounds on the recompute time of a mixed plan within a peak bound, from the same program run on held bytes
     * rounded to {@link #LEVELS} levels: rounded down, the rest of a plan from a cut can only be harder than it
     * says (a lower bound on its time); rounded up, every plan it finds truly fits (an upper bound on the best
     * time). A partial plan whose time plus the lower bound of its rest exceeds the upper bound is dropped. Exact:
     * only plans that cannot be the answer go; on long chains with a wide trade-off it is what keeps the fronts small.
     */
    private final class TimeBounds {

        /** Far above any plan's time, and safe to add to. */
        private static final long NONE = Long.MAX_VALUE / 4;

        private final long step;
        /** lowerRest[e][k]: a floor under the time to finish from cut e holding at least k steps; NONE if none fits. */
        private final long[][] lowerRest;
        /** The least time of a plan known to fit: the rounded-up program's, then the best the search has found. */
        private long upper;

        TimeBounds(long bound) {
            step = Math.max(1, (bound + LEVELS - 1) / LEVELS);
            int levels = (int) (bound / step) + 1;
            lowerRest = new long[n + 1][];
            for (int j = n - 1; j >= 0; j--) {
                // held k * step is a whole number of steps: adding a segment's bytes moves every level by the same shift
                long[] rest = new long[levels];
                Arrays.fill(rest, NONE);
                fill(rest, levelsFitting(bound - storedCost[j][n], levels), 0, null, 0);
                for (int e = j + 1; e < n; e++) {
                    fill(rest, levelsFitting(bound - recomputedCost[j][e], levels), recomputeNs[j][e], lowerRest[e], boundary[e] / step);
                    fill(rest, levelsFitting(bound - storedCost[j][e], levels), 0, lowerRest[e], storedKept[j][e] / step);
                }
                lowerRest[j] = rest;
            }
            upper = upperBound(bound, levels);
        }

        /** How many levels k (from 0) have k * step at most {@code room}. */
        private int levelsFitting(long room, int levels) {
            return room < 0 ? 0 : (int) Math.min(levels, room / step + 1);
        }

        /** rest[k] = min(rest[k], time + next[k + shift]) for k below {@code count}; next null: the plan ends here. */
        private static void fill(long[] rest, int count, long time, long[] next, long shift) {
            for (int k = 0; k < count; k++) {
                long after = next == null ? 0 : k + shift < next.length ? next[(int) (k + shift)] : NONE;
                rest[k] = Math.min(rest[k], time + after);
            }
        }

        /** The least time of a plan found with every held amount rounded up to whole steps: such a plan truly fits. */
        private long upperBound(long bound, int levels) {
            long[][] time = new long[n][levels];
            for (long[] row : time) {
                Arrays.fill(row, NONE);
            }
            time[0][0] = 0;
            long best = NONE;
            for (int j = 0; j < n; j++) {
                long[] from = time[j];
                int ends = levelsFitting(bound - storedCost[j][n], levels);
                for (int k = 0; k < ends; k++) {
                    best = Math.min(best, from[k]);
                }
                for (int e = j + 1; e < n; e++) {
                    reach(from, time[e], levelsFitting(bound - recomputedCost[j][e], levels), ceilSteps(boundary[e]), recomputeNs[j][e]);
                    reach(from, time[e], levelsFitting(bound - storedCost[j][e], levels), ceilSteps(storedKept[j][e]), 0);
                }
            }
            return best >= NONE ? NO_PLAN : best;
        }

        private long ceilSteps(long bytes) {
            return (bytes + step - 1) / step;
        }

        /** to[k + shift] = min(to[k + shift], from[k] + time) for k below {@code count}. */
        private static void reach(long[] from, long[] to, int count, long shift, long time) {
            for (int k = 0; k < count && k + shift < to.length; k++) {
                to[(int) (k + shift)] = Math.min(to[(int) (k + shift)], from[k] + time);
            }
        }

        /** Whether no completion of a partial plan at cut {@code e} can be as fast as a plan known to fit. */
        boolean exceeds(long held, long time, int e) {
            long k = held / step;
            long rest = k < lowerRest[e].length ? lowerRest[e][(int) k] : NONE;
            return rest >= NONE || time + rest > upper;
        }
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
