package org.medfusion.report;

import org.medfusion.capacity.EqualMemoryCsv;
import org.medfusion.results.CellIndex;
import org.medfusion.results.Fmt;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStore;
import org.medfusion.results.ReportDataException;
import org.medfusion.results.RunManifest;
import org.medfusion.results.StoredCells;
import org.medfusion.results.RawCsv;
import org.medfusion.results.ReferenceStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renders a run directory: reads its cells (the {@code cells/} JSON files written during the run, or, for runs
 * that only kept it, {@code raw.csv}) and {@code manifest.json}, then writes, each atomically, {@code raw.csv}
 * (unless it was the source), {@code memory.csv}, {@code slowdown.csv}, {@code charts/*.png|svg},
 * {@code report.md} and {@code report.html}. Nothing is measured: re-rendering an old run is cheap.
 */
public final class Reporter {

    public static final String CHARTS_DIR = "charts";

    /** What {@link #render} wrote, plus the terminal summary. */
    public record Rendered(Path runDir, Path rawCsv, Path memoryCsv, Path slowdownCsv, List<Charts.ChartFile> charts,
            Path reportMd, Path reportHtml, String summary) {

        /** Every written file (raw.csv included even when it was the source). */
        public List<Path> paths() {
            List<Path> l = new ArrayList<>(List.of(rawCsv, memoryCsv, slowdownCsv));
            charts.forEach(c -> {
                l.add(c.png());
                l.add(c.svg());
            });
            l.add(reportMd);
            l.add(reportHtml);
            return l;
        }
    }

    private Reporter() {
    }

    /**
     * Loads the run's cells and manifest (a missing manifest is noted in the report, not an error).
     *
     * @throws ReportDataException the directory does not exist, has no results, or a file is corrupt
     */
    public static Rendered render(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            throw new ReportDataException(Files.exists(runDir) ? runDir + " is a file, not a run directory"
                    : "run directory " + runDir + " does not exist");
        }
        RunManifest manifest = RunManifest.exists(runDir) ? RunManifest.read(runDir) : null;
        StoredCells stored = StoredCells.load(runDir);
        if (stored.cells().isEmpty() && manifest == null && !Files.exists(runDir.resolve(EqualMemoryCsv.FILE))) {
            throw new ReportDataException("no results in " + runDir + ": neither " + CellStore.CELLS_DIR
                    + "/ nor " + RawCsv.FILE + " nor " + RunManifest.FILE + " nor " + EqualMemoryCsv.FILE);
        }
        return render(runDir, manifest, stored.cells(), !stored.fromRawCsv());
    }

    /** Renders given cells into {@code runDir} (which must exist); {@code writeRaw} false keeps raw.csv as is. */
    public static Rendered render(Path runDir, RunManifest manifest, List<CellResult> cells, boolean writeRaw) {
        Path raw = runDir.resolve(RawCsv.FILE);
        CellIndex index = new CellIndex(cells);
        // PyTorch beside us, only in a run that has it configured: every other run renders exactly as before
        ReferenceStore.References refs = ReferenceStore.load(runDir).orElse(null);
        ReferenceTable reference = refs == null ? null : ReferenceTable.of(index, refs);
        if (writeRaw) {
            RawCsv.write(raw, cells, index, refs);
        }
        // predicted peaks as stored in the run when it was measured: the report reads nothing outside the run
        org.medfusion.results.PredictedPeaks predicted = org.medfusion.results.PredictedPeaks.read(runDir);
        MemoryTable mt = MemoryTable.of(index, predicted::of);
        SlowdownTable st = SlowdownTable.of(index);
        Path mem = reference == null ? mt.write(runDir.resolve(MemoryTable.FILE))
                : mt.write(runDir.resolve(MemoryTable.FILE), reference.memoryHeader(), reference.memoryRows());
        Path slow = reference == null ? st.write(runDir.resolve(SlowdownTable.FILE))
                : st.write(runDir.resolve(SlowdownTable.FILE), reference.slowdownHeader(), reference.slowdownRows());
        List<Charts.ChartFile> charts = new ArrayList<>(Charts.writeAll(runDir.resolve(CHARTS_DIR), mt, st));
        if (reference != null) {
            charts.addAll(Charts.writeReference(runDir.resolve(CHARTS_DIR), reference, "PyTorch"));
        }
        List<String> files = new ArrayList<>(List.of(RawCsv.FILE, MemoryTable.FILE, SlowdownTable.FILE));
        // the equal-memory comparison (capacity --out into this directory), when there is one
        Path equalMemoryFile = runDir.resolve(EqualMemoryCsv.FILE);
        EqualMemoryTable equalMemory = Files.exists(equalMemoryFile) ? EqualMemoryTable.of(EqualMemoryCsv.read(equalMemoryFile)) : null;
        if (equalMemory != null) {
            charts.addAll(Charts.writeEqualMemory(runDir.resolve(CHARTS_DIR), equalMemory));
            files.add(EqualMemoryCsv.FILE);
        }
        if (manifest != null) {
            files.add(RunManifest.FILE);
        }
        charts.forEach(c -> {
            files.add(ReportRenderer.rel(runDir, c.png()));
            files.add(ReportRenderer.rel(runDir, c.svg()));
        });
        Map<String, Object> timelines = TimelineSection.write(runDir, cells, files); // null: no timeline, no section
        Map<String, Object> data = ReportRenderer.model(runDir, manifest, cells, index, mt, st, charts, files);
        data.put("equalMemory", ReportRenderer.equalMemory(equalMemory));
        data.put("timelines", timelines);
        data.put("reference", ReportRenderer.reference(reference));
        List<Path> reports = ReportRenderer.write(runDir, data);
        return new Rendered(runDir, raw.toAbsolutePath(), mem, slow, charts, reports.get(0), reports.get(1),
                summary(mt, st));
    }

    /**
     * A short fixed-width table for the terminal: per group, the plain peak (MiB) and step (ms), then per segment
     * count the memory change and time change in % (e.g. {@code -34.1} / {@code +15.0}); status for failed cells.
     */
    public static String summary(List<CellResult> cells) {
        CellIndex index = new CellIndex(cells);
        return summary(MemoryTable.of(index), SlowdownTable.of(index));
    }

    private static String summary(MemoryTable mt, SlowdownTable st) {
        List<String> h = new ArrayList<>(List.of("model", "batch", "res", "prec", "dev", "split", "acc", "MiB", "ms"));
        for (int s : mt.segments()) {
            h.add("s" + s + " mem");
            h.add("s" + s + " time");
        }
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < mt.rows().size(); i++) {
            MemoryTable.Row m = mt.rows().get(i);
            SlowdownTable.Row s = st.rows().get(i);
            List<String> r = GroupColumns.row(m.group(), GroupColumns.cellText(m.cells().get(0), Fmt.mib(m.peakBytes().get(0))),
                    GroupColumns.cellText(m.cells().get(0), Fmt.fixed(s.entries().get(0).median(), 1)));
            for (int seg : mt.segments()) {
                CellResult c = m.cells().get(seg);
                Double sv = m.savingPct().get(seg);
                Double inc = s.entries().get(seg).increasePct();
                r.add(GroupColumns.cellText(c, sv == null ? "" : signed(-sv)));
                r.add(GroupColumns.cellText(c, inc == null ? "" : signed(inc)));
            }
            rows.add(r.stream().map(x -> x.replace('\u2013', '-')).toList()); // ASCII for any terminal
        }
        if (rows.isEmpty()) {
            return "no finished cells\n";
        }
        return new ReportTable(h, rows).fixedWidth()
                + "mem / time: change vs no checkpointing in % (same run); OOM/ERROR: cell status\n";
    }

    private static String signed(double v) {
        return (v >= 0 ? "+" : "") + Fmt.fixed(v, 1) + "%";
    }
}
