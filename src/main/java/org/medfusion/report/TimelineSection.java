package org.medfusion.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.Timeline;

/**
 * The report's memory-timeline section: for every model with a recorded timeline ({@code timelines/<cell>/timeline.csv},
 * {@code measure --timeline} or a config's {@code timeline: true}) one chart ({@link TimelineCharts}, PNG and SVG in
 * {@code charts/}) and one sentence per cell saying when its peak happened and what was alive then. A run without
 * timelines gets no section (and its report is unchanged).
 */
final class TimelineSection {

    static final String NOTE = "Each line is one cell's training step, event by event (forward of each block, boundary kept, "
            + "recompute start and end, backward of each segment, gradient accumulation, optimizer update): the high-water mark of "
            + "bytes in use since the event before, above the bytes in use at the step's start, so a line's top is the step's peak. "
            + "Shaded: the recompute, backward and update phases of the cell with the most segments. Dashed, where the machine had the "
            + "model's profile cached when the timeline was recorded: the planner's predicted high-water mark of each event it models "
            + "(column predicted_peak_above_start_bytes). Time by phase: each event's duration_ns, the median of the steps a second "
            + "child recorded in a timing fork's environment (column durations = timed); timelines without it show no times. "
            + "Source: timelines/<cell>/timeline.csv.";

    private TimelineSection() {
    }

    /** The chart name of a group's timeline: {@code timeline-resnet50_b16_r112_...}. */
    static String chartName(CellKey group) {
        return "timeline-" + group.id();
    }

    /**
     * Writes the section's charts and returns its template data, or null when no cell of {@code cells} has a timeline.
     * Adds the files it read and wrote to {@code files}.
     */
    static Map<String, Object> write(Path runDir, List<CellResult> cells, List<String> files) {
        List<TimelineCharts.CellTimeline> found = new ArrayList<>();
        for (CellResult c : cells) {
            Path f = Timeline.file(runDir, c.key().id());
            if (Files.isRegularFile(f)) {
                found.add(new TimelineCharts.CellTimeline(c.key(), Timeline.read(f)));
                files.add(ReportRenderer.rel(runDir, f));
            }
        }
        if (found.isEmpty()) {
            return null;
        }
        List<Map<String, Object>> groups = new ArrayList<>();
        for (Map.Entry<CellKey, List<TimelineCharts.CellTimeline>> g : TimelineCharts.byGroup(found).entrySet()) {
            Map<String, Object> m = new HashMap<>();
            m.put("title", TimelineCharts.title(g.getKey()));
            XYChart chart = TimelineCharts.chart(g.getKey(), g.getValue());
            if (!chart.getSeriesMap().isEmpty()) {
                Charts.ChartFile file = Charts.write(runDir.resolve(Reporter.CHARTS_DIR), chartName(g.getKey()), chart);
                m.put("png", ReportRenderer.rel(runDir, file.png()));
                m.put("svg", ReportRenderer.rel(runDir, file.svg()));
                try {
                    m.put("dataUri", Base64.getEncoder().encodeToString(Files.readAllBytes(file.png())));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                files.add(ReportRenderer.rel(runDir, file.png()));
                files.add(ReportRenderer.rel(runDir, file.svg()));
            }
            List<Map<String, String>> sentences = new ArrayList<>();
            for (TimelineCharts.CellTimeline t : g.getValue()) {
                // durations recorded in the memory child's environment are its page faults' time, not the step's: not shown
                String time = t.timeline().timed() ? ". Time by phase (median of the timed steps): " + t.timeline().timeSentence() : "";
                sentences.add(Map.of("cell", t.label(), "sentence", t.timeline().sentence() + time));
            }
            m.put("sentences", sentences);
            groups.add(m);
        }
        Map<String, Object> section = new HashMap<>();
        section.put("groups", groups);
        section.put("note", NOTE);
        return section;
    }
}
