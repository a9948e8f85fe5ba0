package org.medfusion.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.results.CellIndex;
import org.medfusion.results.Csv;

/**
 * A per-group table of one run ({@link MemoryTable}, {@link SlowdownTable}): one row per {@link CellIndex.Group},
 * the {@link GroupColumns} first, then columns per segment count; written as CSV, shown in the report.
 *
 * @param <R> the row type
 */
abstract class GroupTable<R> {

    private final List<Integer> segments;
    private final List<R> rows = new ArrayList<>();

    GroupTable(CellIndex index) {
        segments = index.segments();
    }

    /** Segment counts with a column, ascending (0 excluded). */
    public List<Integer> segments() {
        return segments;
    }

    public List<R> rows() {
        return rows;
    }

    public abstract List<String> header();

    public abstract List<List<String>> csvRows();

    /** Human table for the report. */
    public abstract ReportTable display();

    public String toCsv() {
        return Csv.render(header(), csvRows());
    }

    public Path write(Path file) {
        return AtomicFiles.writeString(file, toCsv());
    }

    /** The CSV with {@code extraHeader} appended to the header and {@code extraRows} (one per row, same order) to the rows. */
    public String toCsv(List<String> extraHeader, List<List<String>> extraRows) {
        List<String> h = new ArrayList<>(header());
        h.addAll(extraHeader);
        List<List<String>> rows = new ArrayList<>();
        List<List<String>> own = csvRows();
        for (int i = 0; i < own.size(); i++) {
            List<String> r = new ArrayList<>(own.get(i));
            r.addAll(extraRows.get(i));
            rows.add(r);
        }
        return Csv.render(h, rows);
    }

    /** Writes {@link #toCsv(List, List)} atomically. */
    public Path write(Path file, List<String> extraHeader, List<List<String>> extraRows) {
        return AtomicFiles.writeString(file, toCsv(extraHeader, extraRows));
    }
}
