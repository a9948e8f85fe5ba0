package org.medfusion.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.CellKey;
import org.medfusion.results.Fixtures;
import org.medfusion.results.Timeline;

/**
 * The report's memory-timeline section on a fixture run: one chart per model (PNG and SVG, embedded in the HTML and
 * loaded by headless Chromium) and one sentence per cell naming the event of the peak and what was alive; a run
 * without timelines gets no section.
 */
class TimelineReportTest {

    private static final long MIB = Fixtures.MIB;

    @TempDir
    Path tmp;

    /** One event; category bytes in MiB in {@link Timeline.Category} order, the derived two included. */
    private static Timeline.Event event(int i, String kind, String phase, int block, int segment, long inUseMib, long peakMib,
            long... categoriesMib) {
        List<Long> bytes = new ArrayList<>();
        for (long c : categoriesMib) {
            bytes.add(c * MIB);
        }
        return new Timeline.Event(i, kind, phase, block, segment, 1000 + i, inUseMib * MIB, peakMib * MIB, null, bytes);
    }

    /**
     * A plain step: parameters 100, gradients 100, optimizer state 200, batch 10, outside the step 590 MiB (1000 in use
     * at the start); the backward peaks 400 MiB above the start with 2 MiB of activations held.
     */
    static Timeline plain() {
        return new Timeline("malloc", List.of(
                event(0, "step start", "forward", -1, -1, 1000, 1000, 100, 100, 200, 10, 590, 0, 0, 0, 0, 0),
                event(1, "forward", "forward", 0, 0, 1100, 1150, 100, 100, 200, 10, 590, 0, 0, 4, 0, 96),
                event(2, "forward", "forward", 1, 0, 1200, 1250, 100, 100, 200, 10, 590, 0, 0, 2, 0, 198),
                event(3, "loss", "forward", -1, -1, 1200, 1200, 100, 100, 200, 10, 590, 0, 0, 2, 0, 198),
                event(4, "backward", "backward", 1, 0, 1050, 1400, 100, 100, 200, 10, 590, 0, 0, 2, 0, 48),
                event(5, "gradient accumulation", "backward", -1, 0, 1000, 1050, 100, 100, 200, 10, 590, 0, 0, 0, 0, 0),
                event(6, "optimizer update", "update", -1, -1, 1000, 1100, 100, 100, 200, 10, 590, 0, 0, 0, 0, 0)));
    }

    /** Two segments, the first recomputed: its recompute peaks 250 MiB above the start. */
    static Timeline checkpointed() {
        return new Timeline("malloc", List.of(
                event(0, "step start", "forward", -1, -1, 1000, 1000, 100, 100, 200, 10, 590, 0, 0, 0, 0, 0),
                event(1, "forward no-grad", "forward", 0, 0, 1004, 1050, 100, 100, 200, 10, 590, 0, 0, 4, 0, 0),
                event(2, "boundary kept", "forward", 0, 0, 1004, 1004, 100, 100, 200, 10, 590, 0, 4, 0, 0, 0),
                event(3, "forward", "forward", 1, 1, 1104, 1150, 100, 100, 200, 10, 590, 0, 4, 2, 0, 98),
                event(4, "loss", "forward", -1, -1, 1104, 1104, 100, 100, 200, 10, 590, 0, 4, 2, 0, 98),
                event(5, "backward", "backward", 1, 1, 1010, 1200, 100, 100, 200, 10, 590, 0, 4, 2, 4, 0),
                event(6, "recompute start", "recompute", 0, 0, 1006, 1010, 100, 100, 200, 10, 590, 0, 0, 2, 4, 0),
                event(7, "recompute forward", "recompute", 0, 0, 1106, 1150, 100, 100, 200, 10, 590, 0, 0, 6, 4, 96),
                event(8, "recompute end", "recompute", 0, 0, 1106, 1106, 100, 100, 200, 10, 590, 0, 0, 6, 4, 96),
                event(9, "backward", "backward", 0, 0, 1010, 1250, 100, 100, 200, 10, 590, 0, 0, 6, 4, 0),
                event(10, "gradient accumulation", "backward", -1, 0, 1000, 1010, 100, 100, 200, 10, 590, 0, 0, 0, 0, 0),
                event(11, "optimizer update", "update", -1, -1, 1000, 1100, 100, 100, 200, 10, 590, 0, 0, 0, 0, 0)));
    }

    @Test
    void fixtureSentencesAddUp() {
        assertEquals("peak 400.0 MiB above the step's start during backward of segment 0: step input 0.0, boundaries 0.0, activations 2.0,"
                + " upstream gradient 0.0, saved by autograd and workspace 48.0, freed within the event 350.0 MiB; on top of parameters"
                + " 100.0, gradients 100.0, optimizer state 200.0, batch 10.0, outside the step 590.0 MiB", plain().sentence());
        assertEquals(400 * MIB, plain().peakAboveStart());
        assertEquals("backward of segment 0", checkpointed().peakEvent().describe());
        assertEquals(250 * MIB, checkpointed().peakAboveStart());
    }

    @Test
    void runWithTimelinesGetsChartAndSentences() throws Exception {
        Path run = ReporterTest.fixtureRun(tmp.resolve("run"));
        CellKey plainKey = Fixtures.key("resnet50", 0);
        CellKey s4 = Fixtures.key("resnet50", 4);
        plain().write(Timeline.file(run, plainKey.id()));
        checkpointed().write(Timeline.file(run, s4.id()));
        Reporter.Rendered r = Reporter.render(run);
        String chart = TimelineSection.chartName(plainKey);
        Path png = run.resolve("charts").resolve(chart + ".png");
        Path svg = run.resolve("charts").resolve(chart + ".svg");
        assertTrue(Files.size(png) > 1000 && Files.size(svg) > 1000, "chart written as PNG and SVG");
        assertTrue(Files.readString(svg).contains("<svg"), "an SVG");
        String md = Files.readString(r.reportMd());
        assertTrue(md.contains("## Memory timeline of one training step"), md);
        assertTrue(md.contains("### " + TimelineCharts.title(plainKey)));
        assertTrue(md.contains("- no checkpointing: " + plain().sentence()), md);
        assertTrue(md.contains("- 4 segments (uniform split): " + checkpointed().sentence()), md);
        assertTrue(md.contains("](charts/" + chart + ".png)"));
        assertTrue(md.contains("`timelines/" + s4.id() + "/timeline.csv`"), "the timelines are listed among the run's files");
        String html = Files.readString(r.reportHtml());
        assertTrue(html.contains("<h2 id=\"timeline\">"));
        assertTrue(html.contains("peak 250.0 MiB above the step&#39;s start during backward of segment 0")
                || html.contains("peak 250.0 MiB above the step&#x27;s start during backward of segment 0"), "escaped sentence in the HTML");
        assertEquals(4, chromiumImages(r.reportHtml()), "three charts and the timeline chart load in Chromium");
    }

    @Test
    void predictionIsDrawnBesideTheMeasuredLineAndNamedInTheSentence() throws Exception {
        Timeline predicted = checkpointed().withPredictions(e -> switch (e.kind()) {
            case "backward" -> e.segment() == 0 ? 240 * MIB : 190 * MIB;
            case "forward no-grad", "forward", "recompute forward" -> 45 * MIB;
            default -> null;
        });
        assertTrue(predicted.sentence().endsWith(". The planner's model (the cached profile) predicted 240.0 MiB during backward of segment 0"
                + " (-4.0 % of the measured peak)"), predicted.sentence());
        assertFalse(plain().sentence().contains("predicted"), "no prediction, no claim");
        Path run = ReporterTest.fixtureRun(tmp.resolve("run"));
        CellKey plainKey = Fixtures.key("resnet50", 0);
        CellKey s4 = Fixtures.key("resnet50", 4);
        plain().write(Timeline.file(run, plainKey.id()));
        Path file = predicted.write(Timeline.file(run, s4.id()));
        assertEquals(predicted, Timeline.read(file), "predictions round-trip through timeline.csv");
        var chart = TimelineCharts.chart(plainKey, List.of(new TimelineCharts.CellTimeline(plainKey, plain()),
                new TimelineCharts.CellTimeline(s4, predicted)));
        assertTrue(chart.getSeriesMap().containsKey("predicted: 4 segments (uniform split)"), chart.getSeriesMap().keySet().toString());
        assertFalse(chart.getSeriesMap().containsKey("predicted: no checkpointing"));
        assertEquals(5, chart.getSeriesMap().get("predicted: 4 segments (uniform split)").getXData().length, "one point per predicted event");
        assertTrue(Files.readString(Reporter.render(run).reportMd()).contains("predicted 240.0 MiB during backward of segment 0"));
    }

    @Test
    void timelineFilesWrittenBeforePredictionsStillRead() throws Exception {
        Path file = checkpointed().write(tmp.resolve("old.csv"));
        List<String> lines = Files.readAllLines(file);
        List<String> old = lines.stream().map(l -> dropLastColumns(l, 2)).toList(); // before predictions and timed durations
        assertTrue(old.get(0).endsWith("saved_and_workspace_bytes"), old.get(0));
        Files.write(file, old);
        assertEquals(checkpointed(), Timeline.read(file));
        assertFalse(Timeline.read(file).timed());
    }

    private static String dropLastColumns(String line, int n) {
        String out = line;
        for (int i = 0; i < n; i++) {
            out = out.substring(0, out.lastIndexOf(','));
        }
        return out;
    }

    /** The fixture with each event's duration set to (index + 1) x {@code ms} milliseconds. */
    private static Timeline timedSteps(Timeline t, long ms) {
        return new Timeline(t.source(), t.events().stream().map(e -> e.withDuration(1_000_000L * ms * (e.index() + 1))).toList());
    }

    @Test
    void timedDurationsReplaceTheRecordedOnesAndTheReportShowsTimeByPhase() throws Exception {
        Timeline recorded = checkpointed();
        Timeline timed = Timeline.withMedianDurations(List.of(timedSteps(recorded, 3), timedSteps(recorded, 1), timedSteps(recorded, 2)));
        assertEquals(2_000_000L * 8, timed.events().get(7).durationNs(), "each event's median over the timed steps");
        Timeline merged = recorded.withDurationsOf(timed);
        assertTrue(merged.timed());
        assertFalse(recorded.timed());
        for (int i = 0; i < recorded.events().size(); i++) {
            assertEquals(recorded.events().get(i).withDuration(timed.events().get(i).durationNs()), merged.events().get(i),
                    "bytes stay the recorded step's");
        }
        // forward: events 0-4 (1+2+3+4+5) x 2 ms; recompute 6-8 (7+8+9) x 2; backward 5, 9, 10 (6+10+11) x 2; update 12 x 2
        assertEquals("step 156.0 ms: forward 30.0, recompute 48.0 (30.8 %), backward 54.0, update 24.0 ms", merged.timeSentence());
        assertEquals("step 0.0 ms: forward 0.0, backward 0.0, update 0.0 ms", plain().timeSentence(), "a plain step has no recompute phase");
        Path run = ReporterTest.fixtureRun(tmp.resolve("run"));
        CellKey plainKey = Fixtures.key("resnet50", 0);
        CellKey s4 = Fixtures.key("resnet50", 4);
        plain().write(Timeline.file(run, plainKey.id()));
        Path file = merged.write(Timeline.file(run, s4.id()));
        assertEquals(merged, Timeline.read(file), "timed durations round-trip through timeline.csv");
        String md = Files.readString(Reporter.render(run).reportMd());
        assertTrue(md.contains("- 4 segments (uniform split): " + merged.sentence() + ". Time by phase (median of the timed steps): "
                + merged.timeSentence()), md);
        assertFalse(md.contains("- no checkpointing: " + plain().sentence() + ". Time"), "no times from a recording's own durations");
    }

    @Test
    void durationsOfAnotherSequenceOfEventsAreRefused() {
        Timeline recorded = checkpointed();
        List<Timeline.Event> events = new ArrayList<>(recorded.events());
        Timeline.Event e = events.get(7);
        events.set(7, new Timeline.Event(e.index(), e.kind(), e.phase(), e.block() + 1, e.segment(), e.durationNs(), e.inUseBytes(),
                e.windowPeakBytes(), e.reservedBytes(), e.bytes()));
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> recorded.withDurationsOf(new Timeline(recorded.source(), events)));
        assertTrue(x.getMessage().contains("event 7 differs: recompute forward of block 0 (segment 0) recorded, recompute forward of block 1"),
                x.getMessage());
        assertThrows(IllegalArgumentException.class, () -> recorded.withDurationsOf(plain()));
    }

    @Test
    void runWithoutTimelinesHasNoSection() throws Exception {
        Path run = ReporterTest.fixtureRun(tmp.resolve("run"));
        Reporter.Rendered r = Reporter.render(run);
        assertFalse(Files.readString(r.reportMd()).contains("Memory timeline"));
        assertFalse(Files.readString(r.reportHtml()).contains("id=\"timeline\""));
        try (var s = Files.list(run.resolve("charts"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("timeline-")));
        }
    }

    /** Embedded PNG images in the DOM headless Chromium builds from the report (skipped without Chromium). */
    private int chromiumImages(Path html) throws Exception {
        assumeTrue(Files.isExecutable(HtmlInChromiumTest.CHROMIUM), "chromium not installed");
        Path profile = Files.createDirectories(tmp.resolve("profile"));
        Process p = new ProcessBuilder(List.of(HtmlInChromiumTest.CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--dump-dom", html.toUri().toString())).redirectError(tmp.resolve("chromium.err").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium did not finish");
        String dom = new String(out, StandardCharsets.UTF_8);
        assertTrue(dom.contains("<h2 id=\"timeline\">"), "the section is in Chromium's DOM");
        Matcher m = Pattern.compile("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(dom);
        int images = 0;
        while (m.find()) {
            assertEquals('P', java.util.Base64.getDecoder().decode(m.group(1))[1]);
            images++;
        }
        return images;
    }
}
