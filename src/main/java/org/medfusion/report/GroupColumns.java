package org.medfusion.report;

import java.util.ArrayList;
import java.util.List;
import org.medfusion.results.CellIndex;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;

/**
 * The leading columns of every per-group table ({@code memory.csv}, {@code slowdown.csv}, their report tables and
 * the terminal summary): which group a row is. One place, so a new coordinate is one new column everywhere.
 */
final class GroupColumns {

    /** Column names, in order. */
    static final List<String> NAMES = List.of("model", "batch", "res", "precision", "device", "split", "accumulation");

    private GroupColumns() {
    }

    /** A mutable row header: {@link #NAMES} followed by {@code more}. */
    static List<String> header(String... more) {
        List<String> h = new ArrayList<>(NAMES);
        h.addAll(List.of(more));
        return h;
    }

    /** A mutable row: the group's values in {@link #NAMES} order followed by {@code more}. */
    static List<String> row(CellIndex.Group g, String... more) {
        List<String> r = new ArrayList<>(List.of(g.model(), Integer.toString(g.batch()), Integer.toString(g.res()),
                g.precision().label(), g.device().label(), g.split().label(),
                Integer.toString(g.accumulation())));
        r.addAll(List.of(more));
        return r;
    }

    /** The figure, or the status (OOM, error, ...) of a cell without one, or a dash for a cell not run. */
    static String cellText(CellResult c, String figure) {
        if (c == null) {
            return "–";
        }
        if (c.status() != CellStatus.OK) {
            return c.status().name();
        }
        return figure.isEmpty() ? "–" : figure;
    }
}
