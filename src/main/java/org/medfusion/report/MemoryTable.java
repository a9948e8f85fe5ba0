package org.medfusion.report;

import org.medfusion.results.MemoryMethod;
import org.medfusion.results.CellIndex;
import org.medfusion.results.Fmt;
import org.medfusion.results.CellResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.medfusion.results.CellKey;

/**
 * {@code memory.csv}, the seed's memory table: one row per (model, batch, res, precision, device) group of ONE
 * run, with the peak bytes of the plain cell and, for every segment count S run anywhere in the run,
 * {@code peak_s<S>_bytes} and {@code saving_s<S>_pct} = (1 - peak_S / peak_plain) x 100. A saving is only
 * computed when both cells are OK, have a peak, and were measured with the same memory method; anything missing
 * (not run, OOM, error, no memory figure) stays an empty field.
 *
 * <p>Given a predictor (the planner's memory model on cached profiles), the table also carries
 * {@code predicted_plain_bytes} and {@code predicted_s<S>_bytes} beside the measured peaks; those columns exist only
 * when at least one cell has a prediction, and a cell without one leaves its field empty.
 */
public final class MemoryTable extends GroupTable<MemoryTable.Row> {

    public static final String FILE = "memory.csv";

    /** One group: peaks by segment count (0 = plain) and savings by segment count (S > 0). */
    public record Row(CellIndex.Group group, String label, MemoryMethod memoryMethod, Map<Integer, CellResult> cells,
            Map<Integer, Long> peakBytes, Map<Integer, Double> savingPct, Map<Integer, Long> predictedBytes) {
    }

    private final boolean hasPredictions;

    private MemoryTable(CellIndex idx, Function<CellKey, Long> predictor) {
        super(idx);
        List<Integer> segments = segments();
        for (var e : idx.groups().entrySet()) {
            Map<Integer, CellResult> g = e.getValue();
            CellResult plain = g.get(0);
            Map<Integer, Long> peaks = new LinkedHashMap<>();
            Map<Integer, Double> savings = new LinkedHashMap<>();
            peaks.put(0, CellIndex.peak(plain));
            for (int s : segments()) {
                peaks.put(s, CellIndex.peak(g.get(s)));
                savings.put(s, CellIndex.savingPct(plain, g.get(s)));
            }
            MemoryMethod method = plain != null && plain.memoryMethod() != null ? plain.memoryMethod()
                    : g.values().stream().map(CellResult::memoryMethod).filter(m -> m != null).findFirst().orElse(null);
            Map<Integer, Long> predicted = new LinkedHashMap<>();
            for (var c : g.entrySet()) {
                Long p = c.getValue() == null ? null : predictor.apply(c.getValue().key());
                if (p != null) {
                    predicted.put(c.getKey(), p);
                }
            }
            rows().add(new Row(e.getKey(), idx.label(e.getKey()), method, g, peaks, savings, predicted));
        }
        hasPredictions = rows().stream().anyMatch(r -> !r.predictedBytes().isEmpty());
    }

    public static MemoryTable of(List<CellResult> cells) {
        return of(new CellIndex(cells));
    }

    /** The table of an index already built (one per render). */
    public static MemoryTable of(CellIndex index) {
        return of(index, k -> null);
    }

    /** The table with a predicted peak per cell from {@code predictor} (null: no prediction for that cell). */
    public static MemoryTable of(List<CellResult> cells, Function<CellKey, Long> predictor) {
        return of(new CellIndex(cells), predictor);
    }

    /** The table of an index already built, with a predicted peak per cell from {@code predictor} (null: none). */
    public static MemoryTable of(CellIndex index, Function<CellKey, Long> predictor) {
        return new MemoryTable(index, predictor);
    }

    /** Whether any cell has a predicted peak (and the table the predicted columns). */
    public boolean hasPredictions() {
        return hasPredictions;
    }

    @Override
    public List<String> header() {
        List<String> h = GroupColumns.header("memory_method", "peak_plain_bytes");
        if (hasPredictions) {
            h.add("predicted_plain_bytes");
        }
        for (int s : segments()) {
            h.add("peak_s" + s + "_bytes");
            if (hasPredictions) {
                h.add("predicted_s" + s + "_bytes");
            }
            h.add("saving_s" + s + "_pct");
        }
        return h;
    }

    @Override
    public List<List<String>> csvRows() {
        List<List<String>> out = new ArrayList<>();
        for (Row r : rows()) {
            List<String> l = GroupColumns.row(r.group(), r.memoryMethod() == null ? "" : r.memoryMethod().label(),
                    Fmt.exact(r.peakBytes().get(0)));
            if (hasPredictions) {
                l.add(Fmt.exact(r.predictedBytes().get(0)));
            }
            for (int s : segments()) {
                l.add(Fmt.exact(r.peakBytes().get(s)));
                if (hasPredictions) {
                    l.add(Fmt.exact(r.predictedBytes().get(s)));
                }
                l.add(Fmt.fixed(r.savingPct().get(s), 2));
            }
            out.add(l);
        }
        return out;
    }

    /** Human table for the report: MiB, savings in %, and the status of cells without a figure. */
    @Override
    public ReportTable display() {
        List<String> h = GroupColumns.header("method", "no ckpt (MiB)");
        if (hasPredictions) {
            h.add("no ckpt predicted");
        }
        for (int s : segments()) {
            h.add(s + " seg (MiB)");
            if (hasPredictions) {
                h.add(s + " seg predicted");
            }
            h.add(s + " seg saving");
        }
        List<List<String>> body = new ArrayList<>();
        for (Row r : rows()) {
            List<String> l = GroupColumns.row(r.group(), r.memoryMethod() == null ? "" : r.memoryMethod().label(),
                    GroupColumns.cellText(r.cells().get(0), Fmt.mib(r.peakBytes().get(0))));
            if (hasPredictions) {
                l.add(predictedText(r, 0));
            }
            for (int s : segments()) {
                l.add(GroupColumns.cellText(r.cells().get(s), Fmt.mib(r.peakBytes().get(s))));
                if (hasPredictions) {
                    l.add(predictedText(r, s));
                }
                Double sv = r.savingPct().get(s);
                l.add(sv == null ? "–" : Fmt.fixed(sv, 1) + " %");
            }
            body.add(l);
        }
        return new ReportTable(h, body);
    }

    /** Predicted MiB and its error against the measured peak, e.g. {@code 57.7 (-2.1 %)}; a dash when missing. */
    private static String predictedText(Row r, int segments) {
        Long p = r.predictedBytes().get(segments);
        if (p == null) {
            return "–";
        }
        Long m = r.peakBytes().get(segments);
        String mib = Fmt.mib(p);
        return m == null || m == 0 ? mib : mib + " (" + (p >= m ? "+" : "") + Fmt.fixed(100.0 * (p - m) / m, 1) + " %)";
    }
}
