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
}
