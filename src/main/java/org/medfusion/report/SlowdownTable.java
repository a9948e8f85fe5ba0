package org.medfusion.report;

import org.medfusion.results.CellIndex;
import org.medfusion.results.Fmt;
import org.medfusion.results.CellResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code slowdown.csv}, the seed's time table: one row per (model, batch, res, precision, device) group of ONE
 * run. Columns: the plain cell's step-time median and 95% CI (ms); then for every segment count S run:
 * {@code step_ms_s<S>_median/_ci_low/_ci_high}, {@code step_ms_s<S>_cv} (coefficient of variation of the step
 * samples, a fraction; {@code step_ms_plain_cv} for the plain cell), {@code increase_s<S>_pct} =
 * (median_S / median_plain - 1) x 100 with its 95% interval {@code increase_s<S>_pct_low/_high}, the percentile
 * bootstrap interval of the ratio of the two medians ({@link org.medfusion.results.Stats#ratioOfMediansCi}, fixed
 * seed) minus 1, and
 * {@code increase_s<S>_paired_pct} with {@code _paired_pct_low/_high}: the median of the per-step ratios of the
 * checkpointed steps over the plain steps run just before them in the same fork, minus 1, with the distribution-free
 * interval of that median (fork and machine speed cancel step by step; {@link CellIndex#pairedIncreasePct}), and
 * {@code recompute_overhead_s<S>} = (median_S - median_plain) / recompute_forward_ms (1.0: the extra time is
 * exactly the recomputed forward pass; above 1: extra cost beyond recompute). Missing figures stay empty.
 */
public final class SlowdownTable extends GroupTable<SlowdownTable.Row> {

    public static final String FILE = "slowdown.csv";

    /** Figures of one segment count of a group (S = 0 is the plain cell: increase fields null). */
    public record Entry(CellResult cell, Double median, Double ciLow, Double ciHigh, Double cv, Double increasePct,
            Double increaseLowPct, Double increaseHighPct, Double[] pairedIncreasePct, Double recomputeOverhead) {
    }

    public record Row(CellIndex.Group group, String label, Map<Integer, Entry> entries) {
    }

    private SlowdownTable(CellIndex idx) {
        super(idx);
        List<Integer> segments = segments();
        for (var e : idx.groups().entrySet()) {
            Map<Integer, CellResult> g = e.getValue();
            CellResult plain = g.get(0);
            Map<Integer, Entry> m = new LinkedHashMap<>();
            m.put(0, entry(null, plain));
            for (int s : segments()) {
                m.put(s, entry(plain, g.get(s)));
            }
            rows().add(new Row(e.getKey(), idx.label(e.getKey()), m));
        }
    }

    private static Entry entry(CellResult plain, CellResult c) {
        boolean ok = CellIndex.ok(c);
        Double[] b = plain == null ? new Double[2] : CellIndex.increaseBoundsPct(plain, c);
        return new Entry(c, ok ? c.stepMsMedian() : null, ok ? c.stepMsCiLow() : null, ok ? c.stepMsCiHigh() : null,
                CellIndex.stepCv(c),
                plain == null ? null : CellIndex.increasePct(plain, c), b[0], b[1],
                plain == null ? new Double[3] : CellIndex.pairedIncreasePct(c),
                plain == null ? null : CellIndex.recomputeOverhead(plain, c));
    }

    public static SlowdownTable of(List<CellResult> cells) {
        return new SlowdownTable(new CellIndex(cells));
    }

    /** The table of an index already built (one per render). */
    public static SlowdownTable of(CellIndex index) {
        return new SlowdownTable(index);
    }

    @Override
    public List<String> header() {
        List<String> h = GroupColumns.header("step_ms_plain_median", "step_ms_plain_ci_low", "step_ms_plain_ci_high",
                "step_ms_plain_cv");
        for (int s : segments()) {
            String p = "s" + s;
            h.addAll(List.of("step_ms_" + p + "_median", "step_ms_" + p + "_ci_low", "step_ms_" + p + "_ci_high",
                    "step_ms_" + p + "_cv", "increase_" + p + "_pct", "increase_" + p + "_pct_low", "increase_" + p + "_pct_high",
                    "increase_" + p + "_paired_pct", "increase_" + p + "_paired_pct_low", "increase_" + p + "_paired_pct_high",
                    "recompute_overhead_" + p));
        }
        return h;
    }

    @Override
    public List<List<String>> csvRows() {
        List<List<String>> out = new ArrayList<>();
        for (Row r : rows()) {
            Entry p = r.entries().get(0);
            List<String> l = GroupColumns.row(r.group(), Fmt.fixed(p.median(), 3), Fmt.fixed(p.ciLow(), 3),
                    Fmt.fixed(p.ciHigh(), 3), Fmt.fixed(p.cv(), 4));
            for (int s : segments()) {
                Entry e = r.entries().get(s);
                l.addAll(List.of(Fmt.fixed(e.median(), 3), Fmt.fixed(e.ciLow(), 3), Fmt.fixed(e.ciHigh(), 3),
                        Fmt.fixed(e.cv(), 4), Fmt.fixed(e.increasePct(), 2), Fmt.fixed(e.increaseLowPct(), 2),
                        Fmt.fixed(e.increaseHighPct(), 2), Fmt.fixed(e.pairedIncreasePct()[0], 2),
                        Fmt.fixed(e.pairedIncreasePct()[1], 2), Fmt.fixed(e.pairedIncreasePct()[2], 2),
                        Fmt.fixed(e.recomputeOverhead(), 3)));
            }
            out.add(l);
        }
        return out;
    }

    /** Human table: median [CI] ms and CV per segment count, increase % [95% interval]. */
    @Override
    public ReportTable display() {
        List<String> h = GroupColumns.header("no ckpt (ms)");
        for (int s : segments()) {
            h.add(s + " seg (ms)");
            h.add(s + " seg increase");
        }
        List<List<String>> body = new ArrayList<>();
        for (Row r : rows()) {
            List<String> l = GroupColumns.row(r.group(), ms(r.entries().get(0)));
            for (int s : segments()) {
                Entry e = r.entries().get(s);
                l.add(ms(e));
                l.add(e.increasePct() == null ? "–"
                        : Fmt.fixed(e.increasePct(), 1) + " %" + (e.increaseLowPct() == null ? ""
                                : " [" + Fmt.fixed(e.increaseLowPct(), 1) + ", " + Fmt.fixed(e.increaseHighPct(), 1)
                                        + "]")
                        + (e.pairedIncreasePct()[0] == null ? "" : "; paired " + Fmt.fixed(e.pairedIncreasePct()[0], 1)
                                + " % [" + Fmt.fixed(e.pairedIncreasePct()[1], 1) + ", "
                                + Fmt.fixed(e.pairedIncreasePct()[2], 1) + "]"));
            }
            body.add(l);
        }
        return new ReportTable(h, body);
    }

    private static String ms(Entry e) {
        String fig = e.median() == null ? ""
                : Fmt.fixed(e.median(), 1) + (e.ciLow() == null ? ""
                        : " [" + Fmt.fixed(e.ciLow(), 1) + ", " + Fmt.fixed(e.ciHigh(), 1) + "]")
                        + (e.cv() == null ? "" : ", CV " + Fmt.fixed(e.cv() * 100.0, 1) + " %");
        return GroupColumns.cellText(e.cell(), fig);
    }
}
