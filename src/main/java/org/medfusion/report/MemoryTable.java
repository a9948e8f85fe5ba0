package org.medfusion.report;

import org.medfusion.results.CellIndex;
import org.medfusion.results.Fmt;
import org.medfusion.results.CellResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code memory.csv}, the seed's memory table: one row per (model, batch, res, precision, device) group of ONE
 * run, with the peak bytes of the plain cell and, for every segment count S run anywhere in the run,
 * {@code peak_s<S>_bytes} and {@code saving_s<S>_pct} = (1 - peak_S / peak_plain) x 100. A saving is only
 * computed when both cells are OK, have a peak, and were measured with the same memory method; anything missing
 * (not run, OOM, error, no memory figure) stays an empty field.
 */
public final class MemoryTable extends GroupTable<MemoryTable.Row> {

    public static final String FILE = "memory.csv";

    /** One group: peaks by segment count (0 = plain) and savings by segment count (S > 0). */
    public record Row(CellIndex.Group group, String label, String memoryMethod, Map<Integer, CellResult> cells,
            Map<Integer, Long> peakBytes, Map<Integer, Double> savingPct) {
    }

    private MemoryTable(CellIndex idx) {
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
            String method = plain != null && plain.memoryMethod() != null ? plain.memoryMethod()
                    : g.values().stream().map(CellResult::memoryMethod).filter(m -> m != null).findFirst().orElse(null);
            rows().add(new Row(e.getKey(), idx.label(e.getKey()), method, g, peaks, savings));
        }
    }

    public static MemoryTable of(List<CellResult> cells) {
        return new MemoryTable(new CellIndex(cells));
    }

    /** The table of an index already built (one per render). */
    public static MemoryTable of(CellIndex index) {
        return new MemoryTable(index);
    }

    @Override
    public List<String> header() {
        List<String> h = GroupColumns.header("memory_method", "peak_plain_bytes");
        for (int s : segments()) {
            h.add("peak_s" + s + "_bytes");
            h.add("saving_s" + s + "_pct");
        }
        return h;
    }

    @Override
    public List<List<String>> csvRows() {
        List<List<String>> out = new ArrayList<>();
        for (Row r : rows()) {
            List<String> l = GroupColumns.row(r.group(), r.memoryMethod() == null ? "" : r.memoryMethod(),
                    Fmt.exact(r.peakBytes().get(0)));
            for (int s : segments()) {
                l.add(Fmt.exact(r.peakBytes().get(s)));
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
        for (int s : segments()) {
            h.add(s + " seg (MiB)");
            h.add(s + " seg saving");
        }
        List<List<String>> body = new ArrayList<>();
        for (Row r : rows()) {
            List<String> l = GroupColumns.row(r.group(), r.memoryMethod() == null ? "" : r.memoryMethod(),
                    GroupColumns.cellText(r.cells().get(0), Fmt.mib(r.peakBytes().get(0))));
            for (int s : segments()) {
                l.add(GroupColumns.cellText(r.cells().get(s), Fmt.mib(r.peakBytes().get(s))));
                Double sv = r.savingPct().get(s);
                l.add(sv == null ? "–" : Fmt.fixed(sv, 1) + " %");
            }
            body.add(l);
        }
        return new ReportTable(h, body);
    }
}
