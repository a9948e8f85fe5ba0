package org.medfusion.planner;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.checkpoint.Split;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Stats;

/**
 * {@code plan --sweep}: the planner's fidelity over a range of budgets, proven by measurement.
 *
 * <p>Why a sweep: one {@code plan --budget --measure} shows that one plan kept one budget. Whether the memory model
 * can be trusted across a model's whole range (does every plan keep its budget, does a larger budget buy a plan that
 * measures larger and recomputes less, how far are predicted peak and recompute time from the measured ones) only
 * shows over budgets from the least possible peak to the plain step's. Each budget is planned and verified exactly
 * as {@code plan --budget --measure} does ({@link BudgetVerification}: re-planned with the prediction's error taken
 * off while the measured peak exceeds it); a plan that several budgets choose is measured once. The splits that need
 * no profile (uniform and PyTorch's) are measured at a few segment counts beside them, so that the frontier of what
 * the planner buys can be read against what a user gets without it.
 *
 * @param plainPeakBytes the plain step's predicted peak (the sweep's largest budget)
 * @param leastPeakBytes the least predicted peak of any plan (the smallest budget unless that plan measured above it:
 *     {@link #firstBudget})
 * @param planningMs wall time of planning: the least peak and every budget's first plan, from the loaded profile
 * @param points one per budget, smallest first
 * @param splits the uniform and torch splits measured beside the budgets
 * @param plain the plain step, always measured (once: a budget that chose it shares the measurement): every saving and
 *     every "at most half the plain peak" verdict is against its measured peak, whatever the budgets chose
 * @param profileChainForwardMs the whole chain's forward with grad as the profile timed it (the sum of its blocks'):
 *     a recompute fork that timed the same forward ({@link Figures#measuredRecomputeShare}) tells how much faster or
 *     slower it ran than the profile, so predicted and measured recomputes can be compared at one speed
 */
public record BudgetSweep(long leastPeakBytes, long plainPeakBytes, double planningMs, List<Point> points, List<SplitPoint> splits,
        PlainPoint plain, double profileChainForwardMs) {

    /** Predicted and measured peak must agree within this fraction of the measured peak. */
    public static final double PEAK_TOLERANCE = 0.05;
    /** Predicted and measured recompute time must agree within this fraction of the measured one. */
    public static final double RECOMPUTE_TOLERANCE = 0.15;
    /** A plan under a larger budget may measure this much lower than one under a smaller budget (repeat noise). */
    public static final double ORDER_TOLERANCE = 0.01;

    public BudgetSweep {
        points = List.copyOf(points);
        splits = List.copyOf(splits);
    }

    /**
     * One budget: the plans measured for it (the last is the answer), and whether it reused an earlier budget's.
     *
     * @param sameAsBudget index of the earlier budget whose plan and measurement this one reuses, or -1
     */
    public record Point(long budgetBytes, BudgetVerification verification, int sameAsBudget) {

        public PlannedSegments plan() {
            return verification.last().plan();
        }

        public CellResult measured() {
            return verification.last().measured();
        }

        /** Whether the last plan was measured and its peak is within the budget. */
        public boolean kept() {
            return verification.fits();
        }

        public Figures figures() {
            return Figures.of(plan().predictedPeakBytes(), plan().predictedOverheadMs(), plan().plan().recomputesNothing(), measured());
        }
    }

    /** A uniform or torch split at one segment count, measured beside the budgets. */
    public record SplitPoint(Split split, int segments, PlannedSegments plan, CellResult measured) {

        public Figures figures() {
            return Figures.of(plan.predictedPeakBytes(), plan.predictedOverheadMs(), false, measured);
        }
    }

    /** The plain step (no checkpointing), measured beside the budgets. */
    public record PlainPoint(PlannedSegments plan, CellResult measured) {

        public Figures figures() {
            return Figures.of(plan.predictedPeakBytes(), 0, true, measured);
        }
    }

    /**
     * What a measured plan shows beside its prediction. Missing figures (a failed measurement, a cell without paired
     * plain steps) are null.
     *
     * @param measuredRecomputeMs the recomputed segments' forwards with grad, timed alone from their inputs (the cell's
     *     recompute benchmark, median): what {@code predictedRecomputeMs} predicts; 0 for a plan that recomputes nothing
     * @param addedMs median over the timed steps of (checkpointed step - the plain step run just before it in the same
     *     fork): what checkpointing added to the step, the recompute and all else; 0 for a plan that recomputes nothing
     * @param pairedRatio median of the paired ratios (checkpointed step / plain step just before it); 1 for a plan that
     *     recomputes nothing
     * @param measuredRecomputeShare median over the recompute forks of (the fork's recompute / the whole chain's forward
     *     with grad timed in the same fork, {@code chain_forward_fork_ms}): the recompute as a fraction of the chain's
     *     forward, which the machine's speed moves in both; null when the forks did not time the chain, 0 for a plan
     *     that recomputes nothing
     */
    public record Figures(long predictedPeakBytes, double predictedRecomputeMs, Long measuredPeakBytes, Double measuredRecomputeMs,
            Double addedMs, Double pairedRatio, Double measuredRecomputeShare) {

        static Figures of(long predictedPeak, double predictedMs, boolean plain, CellResult m) {
            boolean ok = m.status() == CellStatus.OK;
            Long peak = ok ? m.peakBytes() : null;
            if (!ok) {
                return new Figures(predictedPeak, predictedMs, null, null, null, null, null);
            }
            if (plain) {
                return new Figures(predictedPeak, predictedMs, peak, 0.0, 0.0, 1.0, 0.0);
            }
            List<Double> diffs = new ArrayList<>();
            for (int i = 0; i < m.pairedPlainMsSamples().size(); i++) {
                diffs.add(m.stepMsSamples().get(i) - m.pairedPlainMsSamples().get(i));
            }
            Double added = diffs.isEmpty() ? null : Stats.summarize(diffs).median();
            List<Double> ratios = m.pairedRatios();
            Double ratio = ratios.isEmpty() ? null : Stats.summarize(ratios).median();
            List<Double> shares = new ArrayList<>();
            for (int i = 0; i < m.chainForwardForkMs().size(); i++) {
                shares.add(m.recomputeForkMs().get(i) / m.chainForwardForkMs().get(i));
            }
            Double share = shares.isEmpty() ? null : Stats.summarize(shares).median();
            return new Figures(predictedPeak, predictedMs, peak, m.recomputeForwardMs(), added, ratio, share);
        }

        /** |measured - predicted| / measured peak, or null when not measured. */
        public Double peakError() {
            return measuredPeakBytes == null || measuredPeakBytes == 0 ? null
                    : (double) (predictedPeakBytes - measuredPeakBytes) / measuredPeakBytes;
        }

        /** (predicted - measured) / measured recompute time, or null when either is missing or zero. */
        public Double recomputeError() {
            return measuredRecomputeMs == null || measuredRecomputeMs <= 0 || predictedRecomputeMs <= 0 ? null
                    : (predictedRecomputeMs - measuredRecomputeMs) / measuredRecomputeMs;
        }
    }

    /**
     * {@code count} budgets from {@code least} to {@code plain}, evenly spaced, both ends included.
     *
     * @throws IllegalArgumentException when count &lt; 2 or the range is empty
     */
    public static List<Long> budgets(long least, long plain, int count) {
        if (count < 2) {
            throw new IllegalArgumentException("--sweep needs at least 2 budgets, got " + count);
        }
        if (plain < least) {
            throw new IllegalArgumentException("the plain step's predicted peak (" + plain + " bytes) is below the least plan's ("
                    + least + " bytes): the profile is inconsistent");
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(least + Math.round((double) (plain - least) * i / (count - 1)));
        }
        return out;
    }

    /**
     * Plans and measures every budget, then the splits beside them.
     *
     * @param memory the model's memory model (its profile)
     * @param count how many budgets
     * @param splitSegments segment counts at which uniform and torch are measured (counts above the block count are
     *     left out)
     * @param measure measures one plan exactly (a failed measurement is a cell with a non-ok status)
     * @param measureSplit measures a split at a segment count
     * @param maxAttempts plans measured per budget at most ({@link BudgetVerification})
     */
    public static BudgetSweep run(MemoryModel memory, int count, List<Integer> splitSegments, Function<PlannedSegments, CellResult> measure,
            BiFunction<Split, Integer, CellResult> measureSplit, int maxAttempts) {
        long t0 = System.nanoTime();
        SegmentPlanner planner = new SegmentPlanner(memory);
        int n = memory.blockCount();
        long plain = memory.predict(SegmentPlan.uniform(n, 1)).peakBytes();
        long least = planner.minimumPeak();
        PlannedSegments leastPlan = planner.cheapestWithin(least).orElseThrow();
        double planningMs = (System.nanoTime() - t0) / 1e6;
        Map<SegmentPlan, CellResult> measured = new HashMap<>();
        Function<PlannedSegments, CellResult> once = p -> measured.computeIfAbsent(p.plan(), k -> measure.apply(p));
        Long leastMeasured = once.apply(leastPlan).peakBytes();
        long t1 = System.nanoTime();
        List<Long> budgets = budgets(firstBudget(least, leastMeasured, plain), plain, count);
        List<PlannedSegments> firstPlans = new ArrayList<>();
        for (long budget : budgets) {
            Optional<PlannedSegments> first = planner.cheapestWithin(budget);
            if (first.isEmpty()) { // cannot happen from the least peak up; kept explicit rather than assumed
                throw new IllegalStateException("no plan fits " + budget + " bytes although the least predicted peak is " + least);
            }
            firstPlans.add(first.get());
        }
        planningMs += (System.nanoTime() - t1) / 1e6;
        List<Point> points = new ArrayList<>();
        Map<SegmentPlan, Integer> firstBudget = new HashMap<>();
        for (int i = 0; i < budgets.size(); i++) {
            long budget = budgets.get(i);
            PlannedSegments first = firstPlans.get(i);
            Integer earlier = firstBudget.get(first.plan());
            // a corrected target below the least peak still has the least-peak plan to offer
            BudgetVerification v = BudgetVerification.run(budget, first, b -> planner.cheapestWithin(Math.max(b, least)), once, maxAttempts);
            points.add(new Point(budget, v, earlier == null ? -1 : earlier));
            firstBudget.putIfAbsent(first.plan(), points.size() - 1);
        }
        PlannedSegments plainPlan = new PlannedSegments(SegmentPlan.uniform(n, 1), plain, 0);
        PlainPoint plainPoint = new PlainPoint(plainPlan, once.apply(plainPlan));
        List<SplitPoint> splits = new ArrayList<>();
        for (int s : splitSegments) {
            if (s < 2 || s > n) {
                continue;
            }
            for (Split split : List.of(Split.UNIFORM, Split.TORCH)) {
                SegmentPlan plan = split.policy().plan(n, s);
                MemoryModel.Prediction p = memory.predict(plan);
                splits.add(new SplitPoint(split, s, new PlannedSegments(plan, p.peakBytes(), p.overheadMs()), measureSplit.apply(split, s)));
            }
        }
        return new BudgetSweep(least, plain, planningMs, points, splits, plainPoint, memory.recomputeMs(0, n));
    }

    /**
     * The measured recompute at the profile's speed: the fork's share of the chain's forward times the profile's chain
     * forward. Null when the forks did not time the chain.
     */
    public Double recomputeAtProfileSpeedMs(Figures f) {
        return f.measuredRecomputeShare() == null ? null : f.measuredRecomputeShare() * profileChainForwardMs;
    }

    /**
     * (predicted - measured) / measured recompute, both at the profile's speed ({@link #recomputeAtProfileSpeedMs}):
     * what the planner got wrong about the recompute, without the machine's speed between the profile and the fork;
     * null when not measured so, or either is zero.
     */
    public Double speedAdjustedRecomputeError(Figures f) {
        Double measured = recomputeAtProfileSpeedMs(f);
        return measured == null || measured <= 0 || f.predictedRecomputeMs() <= 0 ? null
                : (f.predictedRecomputeMs() - measured) / measured;
    }

    /**
     * The smallest budget: the least predicted peak, or what the plan with that peak measured when it measured above
     * it. No plan is predicted below the least-peak plan, so a budget between its prediction and its measurement could
     * only be "kept" by a plan the model does not know; the sweep starts where some plan was shown to fit (never
     * above the plain step's predicted peak, the largest budget).
     */
    static long firstBudget(long leastPredicted, Long leastMeasured, long plain) {
        if (leastMeasured == null || leastMeasured <= leastPredicted) {
            return leastPredicted;
        }
        return Math.min(leastMeasured, plain);
    }

    /** Budgets whose last plan measured above them (or could not be measured). */
    public List<Point> violations() {
        return points.stream().filter(p -> !p.kept()).toList();
    }

    /**
     * Pairs of consecutive budgets where the larger budget's plan measured lower than the smaller's by more than
     * {@link #ORDER_TOLERANCE}: the planner's order of plans (more memory, less recompute) not confirmed by
     * measurement. Returned as the index of the larger budget.
     */
    public List<Integer> orderInversions() {
        List<Integer> out = new ArrayList<>();
        Long previous = null;
        for (int i = 0; i < points.size(); i++) {
            Long m = points.get(i).figures().measuredPeakBytes();
            if (m == null) {
                continue;
            }
            if (previous != null && m < previous * (1 - ORDER_TOLERANCE)) {
                out.add(i);
            }
            previous = previous == null ? m : Math.max(previous, m);
        }
        return out;
    }

    /** The figures of every distinct plan: the budgets' (a budget that repeats an earlier one's plan once), then the splits'. */
    public List<Figures> distinctFigures() {
        List<Figures> all = new ArrayList<>();
        points.stream().filter(p -> p.sameAsBudget() < 0).forEach(p -> all.add(p.figures()));
        splits.forEach(s -> all.add(s.figures()));
        return all;
    }

    /**
     * The cheapest measured plan (least paired ratio) whose measured peak is at most {@code fraction} of the plain
     * step's measured peak, among the budgets, the splits and the plain step; empty when none measured that low, or
     * the plain step's measurement failed.
     */
    public Optional<Figures> cheapestAtMost(double fraction) {
        Long plainMeasured = plain.figures().measuredPeakBytes();
        if (plainMeasured == null) {
            return Optional.empty();
        }
        List<Figures> candidates = new ArrayList<>(distinctFigures());
        candidates.add(plain.figures());
        return candidates.stream().filter(f -> f.measuredPeakBytes() != null && f.pairedRatio() != null
                && f.measuredPeakBytes() <= fraction * plainMeasured)
                .min(java.util.Comparator.comparingDouble(Figures::pairedRatio));
    }
}
