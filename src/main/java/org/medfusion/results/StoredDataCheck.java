package org.medfusion.results;

import java.nio.file.Path;
import java.util.List;

/**
 * The read-side sanity rule for stored figures, applied wherever stored cells are loaded ({@link StoredCells#load},
 * {@link Merger}): a figure that no measurement can produce is corrupt data, never something to print or compare.
 * A JSON file edited by hand or a buggy writer could otherwise surface as {@code NaN%} or {@code -183.3%}.
 *
 * <p>Rules: {@code peak_bytes} and every memory repeat {@code >= 0}; every step sample finite and {@code > 0};
 * the step median and its interval bounds finite and {@code > 0}, with {@code ciLow <= median <= ciHigh};
 * the recompute forward time finite and {@code >= 0}. Missing (null) figures are fine: they mean not measured.
 */
public final class StoredDataCheck {

    private StoredDataCheck() {
    }

    /**
     * @param source the file (or run directory) the cells were read from, named in the message
     * @throws ReportDataException one line naming the source, the cell, the field and its value
     */
    public static void check(Path source, List<CellResult> cells) {
        for (CellResult c : cells) {
            check(source, c);
        }
    }

    public static void check(Path source, CellResult c) {
        if (c.peakBytes() != null && c.peakBytes() < 0) {
            throw bad(source, c, "peak_bytes", c.peakBytes(), "must be >= 0");
        }
        for (Long r : c.memoryRepeats()) {
            if (r == null || r < 0) {
                throw bad(source, c, "memory_repeats", r, "must all be >= 0");
            }
        }
        for (Double s : c.stepMsSamples()) {
            if (s == null || !Double.isFinite(s) || s <= 0) {
                throw bad(source, c, "step_ms_samples", s, "must all be finite and > 0");
            }
        }
        positive(source, c, "step_ms_median", c.stepMsMedian());
        positive(source, c, "step_ms_ci_low", c.stepMsCiLow());
        positive(source, c, "step_ms_ci_high", c.stepMsCiHigh());
        if (c.stepMsMedian() != null && c.stepMsCiLow() != null && c.stepMsCiHigh() != null
                && !(c.stepMsCiLow() <= c.stepMsMedian() && c.stepMsMedian() <= c.stepMsCiHigh())) {
            throw bad(source, c, "step_ms_ci", c.stepMsCiLow() + ".." + c.stepMsCiHigh(),
                    "must contain the median " + c.stepMsMedian());
        }
        Double rf = c.recomputeForwardMs();
        if (rf != null && (!Double.isFinite(rf) || rf < 0)) {
            throw bad(source, c, "recompute_forward_ms", rf, "must be finite and >= 0");
        }
        for (Double f : c.recomputeForkMs()) {
            if (f == null || !Double.isFinite(f) || f < 0) {
                throw bad(source, c, "recompute_fork_ms", f, "must all be finite and >= 0");
            }
        }
        for (Double f : c.chainForwardForkMs()) {
            if (f == null || !Double.isFinite(f) || f <= 0) {
                throw bad(source, c, "chain_forward_fork_ms", f, "must all be finite and > 0");
            }
        }
    }

    private static void positive(Path source, CellResult c, String field, Double v) {
        if (v != null && (!Double.isFinite(v) || v <= 0)) {
            throw bad(source, c, field, v, "must be finite and > 0");
        }
    }

    private static ReportDataException bad(Path source, CellResult c, String field, Object value, String rule) {
        return new ReportDataException("bad data in " + source + ": cell " + c.key().id() + " has " + field + " = "
                + value + " (" + rule + ")");
    }
}
