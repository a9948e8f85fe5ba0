package org.medfusion.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.medfusion.results.CellIndex;
import org.medfusion.results.CellResult;
import org.medfusion.results.Fmt;
import org.medfusion.results.ReferenceFigures;
import org.medfusion.results.ReferenceStore;

/**
 * PyTorch beside us: the reference framework's figures of a run's cells ({@link ReferenceStore}) as the extra columns
 * of {@code memory.csv} and {@code slowdown.csv} (appended after their own, in the same group order, so a run without a
 * reference renders exactly as before), the report's per-cell table and the data of its chart. A stored figure that is
 * not ok reads "not available" in the CSVs and gives its reason in the report; a cell with nothing stored yet is empty.
 */
final class ReferenceTable {

    private final CellIndex index;
    private final ReferenceStore.References refs;

    private ReferenceTable(CellIndex index, ReferenceStore.References refs) {
        this.index = index;
        this.refs = refs;
    }

    static ReferenceTable of(CellIndex index, ReferenceStore.References refs) {
        return new ReferenceTable(index, refs);
    }

    private String label() {
        return refs.framework().label();
    }

    /** memory.csv's extra columns: the reference's peak and ours over it, plain then per segment count. */
    List<String> memoryHeader() {
        List<String> h = new ArrayList<>(List.of(label() + "_peak_plain_bytes", "peak_ratio_" + label() + "_plain"));
        for (int s : index.segments()) {
            h.addAll(List.of(label() + "_peak_s" + s + "_bytes", "peak_ratio_" + label() + "_s" + s));
        }
        return h;
    }

    /** One row per group, in the order of the memory and slowdown tables. */
    List<List<String>> memoryRows() {
        return rows((row, s, c, f) -> {
            row.add(figure(f, f == null ? null : Fmt.exact(f.peakBytes())));
            row.add(figure(f, Fmt.fixed(f == null ? null : ReferenceFigures.ratio(CellIndex.peak(c), f.peakBytes()), 4)));
        });
    }

    /** Adds one cell's columns to its group's row: {@code ours} and {@code theirs} are null where nothing is stored. */
    private interface CellColumns {
        void add(List<String> row, int segments, CellResult ours, ReferenceFigures theirs);
    }

    /** One row per group; each segment count (plain first) adds its columns. */
    private List<List<String>> rows(CellColumns columns) {
        List<List<String>> out = new ArrayList<>();
        for (Map<Integer, CellResult> g : index.groups().values()) {
            List<String> row = new ArrayList<>();
            for (int s : withPlain()) {
                CellResult c = g.get(s);
                columns.add(row, s, c, c == null ? null : refs.of(c.key()));
            }
            out.add(row);
        }
        return out;
    }

    /** slowdown.csv's extra columns: the reference's step median and ours over it; per segment count its paired increase. */
    List<String> slowdownHeader() {
        List<String> h = new ArrayList<>(List.of(label() + "_step_ms_plain_median", "step_ratio_" + label() + "_plain"));
        for (int s : index.segments()) {
            h.addAll(List.of(label() + "_step_ms_s" + s + "_median", "step_ratio_" + label() + "_s" + s,
                    label() + "_increase_s" + s + "_paired_pct"));
        }
        return h;
    }

    List<List<String>> slowdownRows() {
        return rows((row, s, c, f) -> {
            row.add(figure(f, Fmt.fixed(f == null ? null : f.stepMsMedian(), 3)));
            row.add(figure(f, Fmt.fixed(f == null ? null : ReferenceFigures.ratio(CellIndex.stepMedian(c), f.stepMsMedian()), 4)));
            if (s > 0) {
                row.add(figure(f, Fmt.fixed(f == null ? null : pairedPct(f), 2)));
            }
        });
    }

    /** The report's table: one row per cell of the run, ours beside the reference's, or why the reference is missing. */
    ReportTable display() {
        List<String> h = List.of("cell", "our peak (MiB)", "PyTorch peak (MiB)", "ours / PyTorch", "our step (ms)", "PyTorch step (ms)",
                "ours / PyTorch", "our paired increase", "PyTorch paired increase", "note");
        List<List<String>> body = new ArrayList<>();
        for (Map<Integer, CellResult> g : index.groups().values()) {
            for (int s : withPlain()) {
                CellResult c = g.get(s);
                if (c == null) {
                    continue;
                }
                ReferenceFigures f = refs.of(c.key());
                String ourPeak = GroupColumns.cellText(c, Fmt.mib(CellIndex.peak(c)));
                String ourStep = GroupColumns.cellText(c, Fmt.fixed(CellIndex.stepMedian(c), 1));
                Double ourPaired = s == 0 ? null : CellIndex.pairedIncreasePct(c)[0];
                String ourPairedText = ourPaired == null ? "–" : Fmt.fixed(ourPaired, 1) + " %";
                if (f == null || !f.ok()) {
                    String why = f == null ? "not measured yet (the run stopped before it)"
                            : f.status() + (f.message() == null ? "" : ": " + f.message());
                    body.add(List.of(c.key().id(), ourPeak, "not available", "–", ourStep, "not available", "–", ourPairedText, "–", why));
                    continue;
                }
                Double peak = ReferenceFigures.ratio(CellIndex.peak(c), f.peakBytes());
                Double step = ReferenceFigures.ratio(CellIndex.stepMedian(c), f.stepMsMedian());
                Double theirPaired = pairedPct(f);
                body.add(List.of(c.key().id(), ourPeak, Fmt.mib(f.peakBytes()), peak == null ? "–" : Fmt.fixed(peak, 3), ourStep,
                        f.stepMsMedian() == null ? "not measured" : Fmt.fixed(f.stepMsMedian(), 1), step == null ? "–" : Fmt.fixed(step, 3), ourPairedText,
                        theirPaired == null ? "–" : Fmt.fixed(theirPaired, 1) + " %", f.torch() + ", " + f.threads() + " thread"
                                + (f.threads() == 1 ? "" : "s")));
            }
        }
        return new ReportTable(h, body);
    }

    /** Chart data: cell ids with our peak and the reference's (MiB), for the cells where both exist. */
    record PeakPoint(String cell, double oursMib, double theirsMib) {
    }

    List<PeakPoint> peaks() {
        List<PeakPoint> out = new ArrayList<>();
        for (Map<Integer, CellResult> g : index.groups().values()) {
            for (int s : withPlain()) {
                CellResult c = g.get(s);
                ReferenceFigures f = c == null ? null : refs.of(c.key());
                if (f != null && f.ok() && f.peakBytes() != null && CellIndex.peak(c) != null) {
                    out.add(new PeakPoint(c.key().id(), CellIndex.peak(c) / Fmt.MIB, f.peakBytes() / Fmt.MIB));
                }
            }
        }
        return out;
    }

    /** Why some cells have no reference figures, one line per distinct reason (empty when every cell has them). */
    List<String> notAvailableReasons() {
        return refs.byCellId().values().stream().filter(f -> !f.ok()).map(f -> f.status() + ": " + f.message()).distinct().toList();
    }

    private List<Integer> withPlain() {
        List<Integer> segs = new ArrayList<>();
        segs.add(0);
        segs.addAll(index.segments());
        return segs;
    }

    private static Double pairedPct(ReferenceFigures f) {
        return f.plainRatioMedian() == null ? null : (f.plainRatioMedian() - 1.0) * 100.0;
    }

    /** The figure, "not available" when the stored reference is not ok, empty when none is stored. */
    private static String figure(ReferenceFigures f, String value) {
        if (f == null) {
            return "";
        }
        return f.ok() ? (value == null ? "" : value) : ReferenceFigures.NOT_AVAILABLE;
    }
}
