package org.medfusion.history;

import org.medfusion.results.MemoryMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.medfusion.gate.PeakGrowth;
import org.medfusion.results.CellIndex;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.Stats;

/**
 * {@code history --check}: change points ({@link EDivisive}) over each cell's series of runs, and an alarm when the
 * newest runs start a regression (docs/history-check.md).
 *
 * <p>Per cell, three series over the runs of the newest run's environment ({@link History#environmentKey}: a new
 * machine is a new history, not a change), oldest first:
 * <ul>
 * <li>{@link Metric#PEAK}: the peak memory of one step, runs with the newest run's memory method only; a change is kept
 * when it moves the mean by more than the memory tolerance and the floor ({@link PeakGrowth}, the gate's rule);</li>
 * <li>{@link Metric#RATIO} (checkpointed cells): the median of the paired ratios (each checkpointed step over the plain
 * step just before it in the same fork), in which the machine's speed cancels; kept beyond the ratio tolerance;</li>
 * <li>{@link Metric#TIME}: the absolute step-time median, kept beyond the time tolerance, marked but never alarmed
 * (shared machines move whole runs by several percent).</li>
 * </ul>
 * A metric alarms when it is gated (peak, ratio), its last change point is a rise (a regression beyond its tolerance)
 * among the newest {@code recentRuns} points, and the metric is stable: the spread of its runs around their segments'
 * means (pooled within-segment standard deviation over the mean, a CV) is at most {@code unstableCvPct}. Above it the
 * metric is labelled unstable and never alarms: its change points are as likely noise as not.
 */
public final class HistoryCheck {

    /** The series checked per cell. */
    public enum Metric {
        PEAK("peak memory", true), RATIO("paired ratio", true), TIME("step time", false);

        private final String label;
        private final boolean gated;

        Metric(String label, boolean gated) {
            this.label = label;
            this.gated = gated;
        }

        public String label() {
            return label;
        }

        /** False for absolute step time: marked, informative only. */
        public boolean gated() {
            return gated;
        }
    }

    /**
     * The check's settings.
     *
     * @param maxPValue significance of a change point (the t-test between its two segments)
     * @param ratioTolerancePct a ratio change point must move the mean by more than this
     * @param unstableCvPct above this within-segment CV (percent) a metric is labelled unstable, not alarmed
     * @param recentRuns a regression alarms while its change point is among the newest this many points
     */
    public record Settings(double maxPValue, double ratioTolerancePct, double unstableCvPct, int recentRuns) {

        public static final String MAX_P_VALUE = "0.01";
        public static final String UNSTABLE_CV_PCT = "10";
        public static final String RECENT_RUNS = "3";

        public Settings {
            if (!(maxPValue > 0 && maxPValue < 1)) {
                throw new IllegalArgumentException("--max-pvalue must be between 0 and 1 (exclusive), got " + maxPValue);
            }
            if (!Double.isFinite(ratioTolerancePct) || ratioTolerancePct < 0) {
                throw new IllegalArgumentException("--ratio-effect must be a finite number of percent >= 0, got " + ratioTolerancePct);
            }
            if (!(unstableCvPct > 0) || !Double.isFinite(unstableCvPct)) {
                throw new IllegalArgumentException("--unstable-cv must be a finite number of percent > 0, got " + unstableCvPct);
            }
            if (recentRuns < 1) {
                throw new IllegalArgumentException("--recent must be at least 1 run, got " + recentRuns);
            }
        }
    }

    /** A change point placed on the history: the run whose figure starts the new segment. */
    public record Mark(Metric metric, HistoryRun run, int position, EDivisive.ChangePoint changePoint, boolean regression) {

        public String describe() {
            EDivisive.ChangePoint c = changePoint;
            return metric.label() + " " + value(metric, c.meanBefore()) + " -> " + value(metric, c.meanAfter()) + " ("
                    + String.format(Locale.ROOT, "%+.1f %%", c.relativeChange() * 100.0) + ", p = " + p(c.pValue()) + ") from run "
                    + run.id() + " @ " + run.shortCommit();
        }
    }

    /**
     * One metric of one cell: the runs in its series (oldest first), the change points, the within-segment CV
     * (null with too few runs), whether it is unstable, and the alarm (null: none).
     */
    public record MetricCheck(Metric metric, List<HistoryRun> runs, double[] values, List<Mark> marks, Double cvPct, boolean unstable,
            Mark alarm) {
    }

    /** A cell's checks, in {@link Metric} order (a metric without at least 3 runs is absent). */
    public record CellCheck(CellKey key, List<MetricCheck> metrics) {

        public List<Mark> alarms() {
            return metrics.stream().filter(m -> m.alarm() != null).map(MetricCheck::alarm).toList();
        }

        public MetricCheck metric(Metric m) {
            return metrics.stream().filter(c -> c.metric() == m).findFirst().orElse(null);
        }
    }

    private final History history;
    private final Settings settings;
    private final Map<CellKey, CellCheck> cells = new LinkedHashMap<>();

    public HistoryCheck(History history, Settings settings) {
        this.history = history;
        this.settings = settings;
        history.series().forEach((k, s) -> cells.put(k, check(s)));
    }

    public Settings settings() {
        return settings;
    }

    public Map<CellKey, CellCheck> cells() {
        return cells;
    }

    public List<Mark> alarms() {
        return cells.values().stream().flatMap(c -> c.alarms().stream()).toList();
    }

    private CellCheck check(History.Series s) {
        History.Point latest = s.latest();
        String env = History.environmentKey(latest.run());
        List<History.Point> same = s.points().stream().filter(p -> History.environmentKey(p.run()).equals(env)).toList();
        History.Tolerances tol = history.tolerances();
        List<MetricCheck> out = new ArrayList<>();
        MemoryMethod method = same.stream().filter(p -> p.peakBytes() != null).reduce((a, b) -> b).map(History.Point::memoryMethod).orElse(null);
        metric(Metric.PEAK, same, p -> p.peakBytes() != null && java.util.Objects.equals(p.memoryMethod(), method)
                ? p.peakBytes().doubleValue() : null,
                (before, after) -> Math.abs(after - before) > tol.memoryFloorBytes()
                        && Math.abs(after / before - 1.0) * 100.0 > tol.memoryPct(),
                (before, after) -> PeakGrowth.regressed(Math.round(before), Math.round(after), tol.memoryPct(), tol.memoryFloorBytes()))
                .ifPresent(out::add);
        if (s.key().segments() > 0) {
            metric(Metric.RATIO, same, HistoryCheck::pairedRatio, relevantBeyond(settings.ratioTolerancePct()),
                    (before, after) -> after > before * (1.0 + settings.ratioTolerancePct() / 100.0)).ifPresent(out::add);
        }
        metric(Metric.TIME, same, History.Point::stepMedian, relevantBeyond(tol.timePct()),
                (before, after) -> after > before * (1.0 + tol.timePct() / 100.0)).ifPresent(out::add);
        return new CellCheck(s.key(), List.copyOf(out));
    }

    private static EDivisive.Relevance relevantBeyond(double pct) {
        return (before, after) -> before != 0 && Math.abs(after / before - 1.0) * 100.0 > pct;
    }

    /** The median of a checkpointed cell's paired ratios in one run; null without paired steps. */
    static Double pairedRatio(History.Point p) {
        CellResult c = p.cell();
        if (!CellIndex.ok(c) || c.pairedRatios().isEmpty()) {
            return null;
        }
        return Stats.summarize(c.pairedRatios()).median();
    }

    private java.util.Optional<MetricCheck> metric(Metric metric, List<History.Point> points,
            java.util.function.Function<History.Point, Double> value, EDivisive.Relevance relevant, EDivisive.Relevance regressed) {
        List<HistoryRun> runs = new ArrayList<>();
        List<Double> vs = new ArrayList<>();
        for (History.Point p : points) {
            Double v = value.apply(p);
            if (v != null) {
                runs.add(p.run());
                vs.add(v);
            }
        }
        if (vs.size() < 3) {
            return java.util.Optional.empty();
        }
        double[] x = vs.stream().mapToDouble(Double::doubleValue).toArray();
        List<EDivisive.ChangePoint> cps = EDivisive.changePoints(x, settings.maxPValue(), relevant);
        List<Mark> marks = new ArrayList<>();
        for (EDivisive.ChangePoint c : cps) {
            marks.add(new Mark(metric, runs.get(c.index()), c.index(), c, regressed.relevant(c.meanBefore(), c.meanAfter())));
        }
        Double cv = withinSegmentCv(x, cps);
        boolean unstable = cv != null && cv > settings.unstableCvPct();
        Mark alarm = null;
        if (metric.gated() && !unstable && !marks.isEmpty()) {
            Mark last = marks.get(marks.size() - 1);
            if (last.regression() && x.length - last.position() <= settings.recentRuns()) {
                alarm = last;
            }
        }
        return java.util.Optional.of(new MetricCheck(metric, List.copyOf(runs), x, List.copyOf(marks), cv, unstable, alarm));
    }

    /**
     * The pooled standard deviation of the values around their segments' means (segments between the change points),
     * over the mean of all values, in percent; null when no degree of freedom is left or the mean is not positive.
     */
    static Double withinSegmentCv(double[] x, List<EDivisive.ChangePoint> cps) {
        int df = x.length - (cps.size() + 1);
        double mean = EDivisive.mean(x);
        if (df < 1 || !(mean > 0)) {
            return null;
        }
        List<Integer> bounds = new ArrayList<>();
        bounds.add(0);
        cps.forEach(c -> bounds.add(c.index()));
        bounds.add(x.length);
        double ss = 0;
        for (int i = 0; i + 1 < bounds.size(); i++) {
            double[] seg = java.util.Arrays.copyOfRange(x, bounds.get(i), bounds.get(i + 1));
            double m = EDivisive.mean(seg);
            for (double v : seg) {
                ss += (v - m) * (v - m);
            }
        }
        return Math.sqrt(ss / df) / mean * 100.0;
    }

    static String value(Metric m, double v) {
        return switch (m) {
            case PEAK -> org.medfusion.platform.ByteSize.mib(Math.round(v));
            case RATIO -> String.format(Locale.ROOT, "%.3f", v);
            case TIME -> String.format(Locale.ROOT, "%.1f ms", v);
        };
    }

    static String p(double p) {
        return p < 0.001 ? String.format(Locale.ROOT, "%.1e", p) : String.format(Locale.ROOT, "%.4f", p);
    }

    private String whyNot(MetricCheck m, Mark mk) {
        if (m.unstable()) {
            return "unstable";
        }
        return m.values().length - mk.position() > settings.recentRuns() ? "older than the newest " + settings.recentRuns() + " runs"
                : "a later change point follows";
    }

    /** The console report: one line per change point, the unstable metrics, the alarms; the verdict last. */
    public List<String> lines() {
        List<String> l = new ArrayList<>();
        l.add("history --check: " + history.runs().size() + " runs, " + cells.size() + " cells; change points by E-divisive means"
                + " (t-test p <= " + settings.maxPValue() + "); alarms on peak memory and the paired ratio only");
        for (CellCheck c : cells.values()) {
            for (MetricCheck m : c.metrics()) {
                for (Mark mk : m.marks()) {
                    l.add("  " + c.key().id() + ": change point, " + mk.describe() + (mk == m.alarm() ? "  REGRESSION (alarm)"
                            : mk.regression() && m.metric().gated() ? "  regression, not alarmed (" + whyNot(m, mk) + ")"
                            : m.metric().gated() ? "" : "  (informative)"));
                }
                if (m.unstable()) {
                    l.add("  " + c.key().id() + ": " + m.metric().label() + " unstable across " + m.values().length + " runs (CV "
                            + String.format(Locale.ROOT, "%.1f", m.cvPct()) + " % > " + settings.unstableCvPct()
                            + " % within segments): labelled, not alarmed");
                }
            }
        }
        List<Mark> alarms = alarms();
        l.add(alarms.isEmpty() ? "check: no regression starts in the newest " + settings.recentRuns() + " runs"
                : "check: " + alarms.size() + " regression" + (alarms.size() == 1 ? "" : "s") + " starting in the newest "
                        + settings.recentRuns() + " runs (exit 1)");
        return l;
    }
}
