package org.medfusion.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.medfusion.bench.TimelineMeasurer;
import org.medfusion.results.CellKey;

/** Records a measured cell's memory timeline for {@code measure --timeline} and {@code timeline: true}, as one console line. */
final class TimelineLine {

    private TimelineLine() {
    }

    /**
     * The timeline's summary, or why there is none: a timeline that could not be recorded is said so on the console
     * and leaves the cell's result as measured (its figures do not depend on it).
     */
    static String record(TimelineMeasurer measurer, CellKey key, Path runDir) {
        try {
            return measurer.recordInRun(key, runDir).summary();
        } catch (IOException | RuntimeException e) {
            return "timeline of " + key.id() + " not recorded: " + e.getMessage();
        }
    }
}
