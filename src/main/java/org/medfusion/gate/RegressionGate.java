package org.medfusion.gate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.RunManifest;

/**
 * Compares a candidate run with a baseline run, cell by cell (same {@link CellKey}), for CI. Each baseline cell that
 * was ok yields one result per check ({@link Check}); a check passes, fails, or is only reported (shown, not gated).
 * <ul>
 *   <li>{@link Check#STATUS}: the cell must still be ok (not OOM, error, or absent).</li>
 *   <li>{@link Check#MEMORY_PEAK}: same method, peak grown by at most the memory tolerance or the memory floor (bytes),
 *       whichever is larger; a peak that vanished or a
 *       changed method fails.</li>
 *   <li>{@link Check#MEMORY_SAVING}: a checkpointed cell's saving against its plain cell (same run), in percent of
 *       the plain peak, may shrink by at most the saving tolerance (percentage points).</li>
 *   <li>{@link Check#TIME_RATIO}: the checkpointed/plain step-time ratio of each run compared with
 *       {@link SlowdownTest} (rank test + minimum effect). When both runs have paired plain steps
 *       ({@link CellResult#pairedRatios()}: each checkpointed step over the plain step run just before it in the
 *       same fork) the test runs on those per-step ratios, in which the fork's and the machine's speed cancel;
 *       otherwise on each checkpointed sample over the run's plain median (older runs).</li>
 *   <li>{@link Check#TIME_ABSOLUTE}: raw step times compared with {@link SlowdownTest}, gated only when the two
 *       environments match ({@link org.medfusion.results.Environment#mergeKey()}: CPU model, GPU, JVM, DJL,
 *       libtorch) and absolute gating is on; otherwise reported.</li>
 * </ul>
 * Refuses ({@link GateRefusedException}) runs of different config hashes unless allowed, and a comparison in
 * which no cell could be compared: "0 cells compared" is never a pass.
 */
public final class RegressionGate {

    /** What a result checks. */
    public enum Check {
        STATUS, MEMORY_PEAK, MEMORY_SAVING, TIME_RATIO, TIME_ABSOLUTE;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** A check's outcome; {@link #REPORTED} is shown but never fails the gate. */
    public enum Outcome {
        PASS, FAIL, REPORTED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One check of one cell, with the figures it compared (already formatted) and why it decided so. */
    public record Result(CellKey key, Check check, Outcome outcome, String baseline, String candidate, String change,
            String why) {
        @Override
        public String toString() {
            return outcome.label().toUpperCase(Locale.ROOT) + " " + check.label() + " " + key.id() + ": " + baseline
                    + " -> " + candidate + (change.isEmpty() ? "" : " (" + change + ")") + ": " + why;
        }
    }

    /** A run as the gate reads it; the manifest may be null for runs that kept only raw.csv. */
    public record Run(Path dir, RunManifest manifest, List<CellResult> cells) {
    }

    /**
     * @param results every check of every compared cell
     * @param compared baseline cells that were ok (and so were checked)
     * @param notCompared baseline cells that were not ok (nothing to hold the candidate to)
     * @param environmentsMatch whether absolute step times were comparable
     */
    public record Verdict(List<Result> results, int compared, int notCompared, boolean environmentsMatch) {
        public List<Result> failures() {
            return results.stream().filter(r -> r.outcome() == Outcome.FAIL).toList();
        }

        public boolean passed() {
            return failures().isEmpty();
        }
    }

    private RegressionGate() {
    }

    /** Checks the config hashes, then compares. */
    public static Verdict evaluate(Run baseline, Run candidate, GateOptions o) {
        if (!o.allowConfigChange()) {
            if (baseline.manifest() == null || candidate.manifest() == null) {
                Path without = baseline.manifest() == null ? baseline.dir() : candidate.dir();
                throw new GateRefusedException("cannot check that both runs used the same config: no manifest.json in "
                        + without + " (pass --allow-config-change to compare anyway)");
            }
            String a = baseline.manifest().configHash();
            String b = candidate.manifest().configHash();
            if (!Objects.equals(a, b)) {
                throw new GateRefusedException("the runs used different configs: " + baseline.dir() + " has " + a + ", "
                        + candidate.dir() + " has " + b + " (pass --allow-config-change to compare anyway)");
            }
        }
        boolean sameEnv = baseline.manifest() != null && candidate.manifest() != null
                && baseline.manifest().environment().mergeKey().equals(candidate.manifest().environment().mergeKey());
        return compare(baseline.cells(), candidate.cells(), sameEnv, o);
    }

    /** Compares two runs' cells; absolute times are gated only when {@code sameEnvironment}. */
    public static Verdict compare(List<CellResult> baseline, List<CellResult> candidate, boolean sameEnvironment,
            GateOptions o) {
        Map<CellKey, CellResult> base = index(baseline);
        Map<CellKey, CellResult> cand = index(candidate);
        if (!baseline.isEmpty() && base.keySet().stream().noneMatch(cand::containsKey)) {
            throw new GateRefusedException("nothing to compare: no cell is in both runs (baseline " + base.keySet().stream()
                    .map(CellKey::id).sorted().limit(3).toList() + (base.size() > 3 ? "..." : "") + ", candidate "
                    + cand.keySet().stream().map(CellKey::id).sorted().limit(3).toList() + (cand.size() > 3 ? "..." : "")
                    + "); gate two runs of the same matrix");
        }
        List<Result> out = new ArrayList<>();
        int compared = 0;
        int skipped = 0;
        for (CellResult b : baseline) {
            if (b.status() != CellStatus.OK) {
                skipped++;
                continue;
            }
            compared++;
            CellResult c = cand.get(b.key());
            if (c == null) {
                out.add(new Result(b.key(), Check.STATUS, Outcome.FAIL, "ok", "absent", "",
                        "measured in the baseline, absent from the candidate"));
                continue;
            }
            if (c.status() != CellStatus.OK) {
                out.add(new Result(b.key(), Check.STATUS, Outcome.FAIL, "ok", c.status().label(), "",
                        "ok in the baseline, " + c.status().label() + (c.message() == null ? "" : ": " + c.message())));
                continue;
            }
            out.add(new Result(b.key(), Check.STATUS, Outcome.PASS, "ok", "ok", "", "still ok"));
            memoryPeak(b, c, o).ifPresent(out::add);
            if (b.key().segments() > 0) {
                saving(b, c, base.get(b.key().plain()), cand.get(b.key().plain()), o).ifPresent(out::add);
                ratio(b, c, base.get(b.key().plain()), cand.get(b.key().plain()), o).ifPresent(out::add);
            }
            absoluteTime(b, c, sameEnvironment, o).ifPresent(out::add);
        }
        if (compared == 0) {
            throw new GateRefusedException("nothing to compare: the baseline has no ok cell (" + baseline.size()
                    + " cells, none ok); 0 cells compared is not a pass");
        }
        return new Verdict(out, compared, skipped, sameEnvironment);
    }

    private static java.util.Optional<Result> memoryPeak(CellResult b, CellResult c, GateOptions o) {
        if (b.peakBytes() == null) {
            return java.util.Optional.empty();
        }
        String bs = mib(b.peakBytes()) + " " + b.memoryMethod();
        if (c.peakBytes() == null) {
            return some(b, Check.MEMORY_PEAK, Outcome.FAIL, bs, "missing", "", "the memory figure vanished");
        }
        String cs = mib(c.peakBytes()) + " " + c.memoryMethod();
        if (!Objects.equals(b.memoryMethod(), c.memoryMethod())) {
            return some(b, Check.MEMORY_PEAK, Outcome.FAIL, bs, cs, "", "the memory method changed from "
                    + b.memoryMethod() + " to " + c.memoryMethod() + ": the figures are not comparable");
        }
        double change = b.peakBytes() == 0 ? (c.peakBytes() == 0 ? 0 : Double.POSITIVE_INFINITY)
                : 100.0 * (c.peakBytes() - b.peakBytes()) / b.peakBytes();
        long growth = c.peakBytes() - b.peakBytes();
        boolean fail = PeakGrowth.regressed(b.peakBytes(), c.peakBytes(), o.memoryTolerancePct(), o.memoryFloorBytes());
        String limits = String.format(Locale.ROOT, "%.1f%% and %s", o.memoryTolerancePct(), mib(o.memoryFloorBytes()));
        return some(b, Check.MEMORY_PEAK, fail ? Outcome.FAIL : Outcome.PASS, bs, cs, pct(change),
                fail ? "peak grew beyond " + limits
                        : change > o.memoryTolerancePct() ? "grew " + mib(growth) + ", within the " + mib(o.memoryFloorBytes()) + " floor"
                        : String.format(Locale.ROOT, "within +%.1f%%", o.memoryTolerancePct()));
    }

    private static java.util.Optional<Result> saving(CellResult b, CellResult c, CellResult bp, CellResult cp,
            GateOptions o) {
        if (b.peakBytes() == null || c.peakBytes() == null || !usable(bp) || bp.peakBytes() == null
                || !Objects.equals(b.memoryMethod(), c.memoryMethod())
                || !Objects.equals(b.memoryMethod(), bp.memoryMethod()) || bp.peakBytes() == 0) {
            return java.util.Optional.empty(); // the peak check already speaks for a vanished or changed figure
        }
        double sb = 1.0 - (double) b.peakBytes() / bp.peakBytes();
        String bs = String.format(Locale.ROOT, "%.1f%% of plain", 100 * sb);
        if (!usable(cp) || cp.peakBytes() == null || !Objects.equals(cp.memoryMethod(), b.memoryMethod())
                || cp.peakBytes() == 0) {
            return some(b, Check.MEMORY_SAVING, Outcome.FAIL, bs, "missing", "",
                    "the candidate's plain cell has no comparable memory figure, so the saving vanished");
        }
        double sc = 1.0 - (double) c.peakBytes() / cp.peakBytes();
        String cs = String.format(Locale.ROOT, "%.1f%% of plain", 100 * sc);
        double change = 100.0 * (sc - sb); // percentage points of the plain peak
        boolean fail = change < -o.savingTolerancePct();
        return some(b, Check.MEMORY_SAVING, fail ? Outcome.FAIL : Outcome.PASS, bs, cs,
                String.format(Locale.ROOT, "%+.1f pp", change),
                fail ? String.format(Locale.ROOT, "saving shrank by more than %.1f points", o.savingTolerancePct())
                        : String.format(Locale.ROOT, "within -%.1f points", o.savingTolerancePct()));
    }

    private static java.util.Optional<Result> ratio(CellResult b, CellResult c, CellResult bp, CellResult cp,
            GateOptions o) {
        if (!hasSamples(b) || !usable(bp) || !hasSamples(bp)) {
            return java.util.Optional.empty();
        }
        if (!hasSamples(c) || !usable(cp) || !hasSamples(cp)) {
            return some(b, Check.TIME_RATIO, Outcome.FAIL, "measured", "missing", "",
                    "the candidate lacks the step-time samples of this cell or of its plain cell: the figure vanished");
        }
        boolean paired = b.pairedRatios().size() >= 2 && c.pairedRatios().size() >= 2;
        List<Double> rb;
        List<Double> rc;
        SlowdownTest t;
        if (paired) {
            // each checkpointed step over the plain step run just before it in the same fork: the fork's and the
            // machine's speed cancel step by step
            rb = b.pairedRatios();
            rc = c.pairedRatios();
            t = SlowdownTest.of(rb, rc, o.ratioEffectPct() / 100, o.alpha());
        } else {
            rb = SlowdownTest.ratioSamples(b.stepMsSamples(), bp.stepMsSamples());
            rc = SlowdownTest.ratioSamples(c.stepMsSamples(), cp.stepMsSamples());
            t = SlowdownTest.ofRatios(b.stepMsSamples(), bp.stepMsSamples(), c.stepMsSamples(),
                    cp.stepMsSamples(), o.ratioEffectPct() / 100, o.alpha());
        }
        String kind = paired ? " paired" : "";
        String bs = String.format(Locale.ROOT, "x%.3f%s", median(rb), kind);
        String cs = String.format(Locale.ROOT, "x%.3f%s", median(rc), kind);
        String tooFew = tooFewSamples(rb.size(), rc.size(), o.alpha());
        if (tooFew != null) {
            return some(b, Check.TIME_RATIO, Outcome.REPORTED, bs, cs, change(t), tooFew);
        }
        return some(b, Check.TIME_RATIO, t.slower() ? Outcome.FAIL : Outcome.PASS, bs, cs, change(t),
                why(t, o.ratioEffectPct(), o.alpha(), "checkpointed/plain ratio"));
    }

    private static java.util.Optional<Result> absoluteTime(CellResult b, CellResult c, boolean sameEnv, GateOptions o) {
        if (b.stepMsMedian() == null) {
            return java.util.Optional.empty();
        }
        String bs = String.format(Locale.ROOT, "%.1f ms", b.stepMsMedian());
        if (c.stepMsMedian() == null) {
            return some(b, Check.TIME_ABSOLUTE, Outcome.FAIL, bs, "missing", "", "the step time vanished");
        }
        String cs = String.format(Locale.ROOT, "%.1f ms", c.stepMsMedian());
        if (b.stepMsSamples().size() < 2 || c.stepMsSamples().size() < 2) {
            return some(b, Check.TIME_ABSOLUTE, Outcome.REPORTED, bs, cs,
                    pct(100 * (c.stepMsMedian() / b.stepMsMedian() - 1)), "fewer than 2 samples: reported, not gated");
        }
        SlowdownTest t = SlowdownTest.of(b.stepMsSamples(), c.stepMsSamples(), o.timeEffectPct() / 100, o.alpha());
        String tooFew = tooFewSamples(b.stepMsSamples().size(), c.stepMsSamples().size(), o.alpha());
        if (sameEnv && o.gateAbsoluteTime() && tooFew != null) {
            return some(b, Check.TIME_ABSOLUTE, Outcome.REPORTED, bs, cs, change(t), tooFew);
        }
        if (!sameEnv || !o.gateAbsoluteTime()) {
            return some(b, Check.TIME_ABSOLUTE, Outcome.REPORTED, bs, cs, change(t), !sameEnv
                    ? "environments differ: absolute times are reported, not gated"
                    : "absolute times are reported, not gated (ratio gating only)");
        }
        return some(b, Check.TIME_ABSOLUTE, t.slower() ? Outcome.FAIL : Outcome.PASS, bs, cs, change(t),
                why(t, o.timeEffectPct(), o.alpha(), "step time"));
    }

    /** Why a rank test on n and m samples cannot fail at alpha, or null when it can. */
    private static String tooFewSamples(int n, int m, double alpha) {
        double smallest = SlowdownTest.smallestP(n, m);
        if (smallest < alpha) {
            return null;
        }
        return String.format(Locale.ROOT, "%d vs %d steps: the rank test cannot reach p < %.2g (smallest possible p = %.2g);"
                + " reported, not gated: measure more steps", n, m, alpha, smallest);
    }

    private static String change(SlowdownTest t) {
        return String.format(Locale.ROOT, "%s [%s, %s]", pct(100 * (t.ratio() - 1)), pct(100 * (t.ciLow() - 1)),
                pct(100 * (t.ciHigh() - 1)));
    }

    private static String why(SlowdownTest t, double effectPct, double alpha, String what) {
        if (t.slower()) {
            return String.format(Locale.ROOT, "%s slower by more than %.1f%% (Mann-Whitney p = %.2g < %.2g)", what,
                    effectPct, t.pSlower(), alpha);
        }
        return String.format(Locale.ROOT, "not slower beyond %.1f%% at p < %.2g (p = %.2g)", effectPct, alpha,
                t.pSlower());
    }

    private static java.util.Optional<Result> some(CellResult b, Check check, Outcome outcome, String bs, String cs,
            String change, String why) {
        return java.util.Optional.of(new Result(b.key(), check, outcome, bs, cs, change, why));
    }

    private static boolean usable(CellResult r) {
        return r != null && r.status() == CellStatus.OK;
    }

    private static boolean hasSamples(CellResult r) {
        return r.stepMsSamples().size() >= 2;
    }

    private static double median(List<Double> v) {
        return SlowdownTest.median(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static Map<CellKey, CellResult> index(List<CellResult> cells) {
        Map<CellKey, CellResult> m = new HashMap<>();
        cells.forEach(c -> m.put(c.key(), c));
        return m;
    }

    private static String mib(long bytes) {
        return org.medfusion.platform.ByteSize.mib(bytes);
    }

    private static String pct(double v) {
        return Double.isInfinite(v) ? "+inf%" : String.format(Locale.ROOT, "%+.1f%%", v);
    }
}
