package org.medfusion.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.MemoryMethod;
import org.medfusion.cli.CliRun;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Device;
import org.medfusion.results.Environment;
import org.medfusion.results.Fixtures;
import org.medfusion.results.Precision;
import org.medfusion.results.Stats;

/**
 * {@code history --check} on invented histories of 8 runs: A/A noise raises nothing, a step in the paired ratio or the
 * peak from run 5 alarms from run 6 (its second run) while it is among the newest --recent runs, absolute time is marked but never alarms,
 * a noisy metric is labelled unstable instead, and another machine's runs start a new history.
 */
class HistoryCheckTest {

    static final CellKey PLAIN = new CellKey("resnet18", 8, 64, 0, Precision.FP32, Device.CPU);
    static final CellKey S4 = new CellKey("resnet18", 8, 64, 4, Precision.FP32, Device.CPU);
    /** Deterministic A/A noise of about +-1 %, one factor per run. */
    static final double[] NOISE = {1.000, 0.992, 1.008, 0.997, 1.004, 0.995, 1.010, 0.998};

    @TempDir
    Path tmp;

    /** A cell with 10 steps around {@code ms}, each paired with a plain step {@code ms / ratio}. */
    static CellResult cell(CellKey k, double peakMib, double ms, double ratio) {
        List<Double> steps = HistoryFixtures.samples(ms);
        List<Double> plain = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            plain.add(steps.get(i) / (ratio * (1 + ((i * 3) % 5 - 2) * 0.002)));
        }
        Stats.Summary s = Stats.summarize(steps);
        long peak = Math.round(peakMib * Fixtures.MIB);
        return CellResult.builder(k, "resnet", CellStatus.OK).peak(peak, MemoryMethod.CPU_RSS_PEAK).memoryRepeats(List.of(peak)).stepMs(steps, s)
                .recomputeForwardMs(k.segments() == 0 ? null : 40.0).pairedPlainMsSamples(k.segments() == 0 ? List.of() : plain).build();
    }

    interface Figures {
        /** run index 1..8 -> {plain peak MiB, s4 peak MiB, plain ms, s4 ms, s4 ratio} */
        double[] at(int run);
    }

    /** 8 runs a-1..a-8, an hour apart, from the figures. */
    Path history(String name, int runs, Figures f, Environment laterEnv, int laterFrom) {
        Path root = tmp.resolve(name);
        for (int r = 1; r <= runs; r++) {
            double[] v = f.at(r);
            HistoryFixtures.run(root, "a-" + r, String.format("2026-11-01T%02d:00:00Z", r), "c" + r + "00000000000",
                    laterEnv != null && r >= laterFrom ? laterEnv : Fixtures.env(),
                    List.of(cell(PLAIN, v[0], v[2], 1), cell(S4, v[1], v[3], v[4])));
        }
        return root;
    }

    static double[] aa(int r) {
        double n = NOISE[r - 1];
        return new double[] {110.0 * (1 + (n - 1) * 0.2), 80.0 * (1 + (n - 1) * 0.3), 100 * n, 119 * n, 1.19 * n};
    }

    static HistoryCheck check(Path root, int recent) {
        History h = new History(HistoryRuns.load(List.of(root)), History.Tolerances.DEFAULT);
        return new HistoryCheck(h, new HistoryCheck.Settings(0.001, 5, 10, recent));
    }

    @Test
    void eightAaRunsRaiseNothing() {
        HistoryCheck c = check(history("aa", 8, HistoryCheckTest::aa, null, 0), 3);
        assertTrue(c.alarms().isEmpty(), c.lines().toString());
        for (HistoryCheck.CellCheck cc : c.cells().values()) {
            for (HistoryCheck.MetricCheck m : cc.metrics()) {
                assertTrue(m.marks().isEmpty(), cc.key().id() + " " + m.metric() + ": " + m.marks());
                assertTrue(!m.unstable(), m.metric() + " CV " + m.cvPct());
            }
        }
        assertEquals(List.of(HistoryCheck.Metric.PEAK, HistoryCheck.Metric.RATIO, HistoryCheck.Metric.TIME),
                c.cells().get(S4).metrics().stream().map(HistoryCheck.MetricCheck::metric).toList());
        assertEquals(2, c.cells().get(PLAIN).metrics().size(), "a plain cell has no ratio");
    }

    /** recompute-twice style: the checkpointed step +12 % from run 5, in its paired ratio and its absolute time. */
    static double[] slowerFrom5(int r) {
        double[] v = aa(r);
        if (r >= 5) {
            v[3] *= 1.12;
            v[4] *= 1.12;
        }
        return v;
    }

    @Test
    void ratioRegressionFromRun5AlarmsFromRun6AndWhileRecent() {
        HistoryCheck five = check(history("slow5", 5, HistoryCheckTest::slowerFrom5, null, 0), 3);
        assertTrue(five.cells().get(S4).metric(HistoryCheck.Metric.RATIO).marks().isEmpty(), "one run at the new level: not yet");
        for (int runs = 6; runs <= 8; runs++) {
            HistoryCheck c = check(history("slow" + runs, runs, HistoryCheckTest::slowerFrom5, null, 0), 3);
            HistoryCheck.MetricCheck ratio = c.cells().get(S4).metric(HistoryCheck.Metric.RATIO);
            assertEquals(1, ratio.marks().size(), runs + " runs: " + c.lines());
            HistoryCheck.Mark m = ratio.marks().get(0);
            assertEquals("a-5", m.run().id(), "the change starts at run 5");
            assertTrue(m.regression() && m.changePoint().relativeChange() > 0.10, m.describe());
            HistoryCheck.MetricCheck time = c.cells().get(S4).metric(HistoryCheck.Metric.TIME);
            assertNull(time.alarm(), "absolute time never alarms");
            assertTrue(c.cells().get(PLAIN).alarms().isEmpty() && c.cells().get(S4).metric(HistoryCheck.Metric.PEAK).marks().isEmpty());
            if (runs <= 7) {
                assertEquals(List.of(m), c.alarms(), runs + " runs: among the newest 3");
                assertTrue(c.lines().get(c.lines().size() - 1).endsWith("(exit 1)"), c.lines().toString());
            } else {
                assertTrue(c.alarms().isEmpty(), "8 runs: the change is 4 runs old, a known regression");
                assertTrue(c.lines().stream().anyMatch(l -> l.contains("regression, not alarmed (older than the newest 3 runs)")));
                assertEquals(1, check(tmp.resolve("slow8"), 4).alarms().size(), "--recent 4");
            }
        }
    }

    @Test
    void peakRegressionFromRun5Alarms() {
        Path root = history("peak", 6, r -> {
            double[] v = aa(r);
            v[1] *= r >= 5 ? 1.09 : 1; // keep-alive: +9 % on the 4-segment peak
            return v;
        }, null, 0);
        HistoryCheck c = check(root, 3);
        HistoryCheck.MetricCheck peak = c.cells().get(S4).metric(HistoryCheck.Metric.PEAK);
        assertEquals(1, c.alarms().size(), c.lines().toString());
        assertEquals(peak.alarm(), c.alarms().get(0));
        assertEquals("a-5", peak.alarm().run().id());
        assertTrue(peak.alarm().describe().startsWith("peak memory 80.0 MiB -> 87.2 MiB (+9.0 %"), peak.alarm().describe());
        // +1.5 % is below the 2 % tolerance: significant, but not a change point
        HistoryCheck small = check(history("peak-small", 6, r -> {
            double[] v = aa(r);
            v[1] *= r >= 5 ? 1.015 : 1;
            return v;
        }, null, 0), 3);
        assertTrue(small.cells().get(S4).metric(HistoryCheck.Metric.PEAK).marks().isEmpty(), small.lines().toString());
    }

    @Test
    void improvementsAndTimeChangesAreMarkedButDoNotAlarm() {
        HistoryCheck c = check(history("faster", 7, r -> {
            double[] v = aa(r);
            v[4] *= r >= 5 ? 0.85 : 1; // the ratio improved
            v[2] *= r >= 5 ? 1.3 : 1; // the whole machine got slower: absolute time only
            v[3] *= r >= 5 ? 1.3 : 1;
            return v;
        }, null, 0), 3);
        assertTrue(c.alarms().isEmpty(), c.lines().toString());
        HistoryCheck.Mark ratio = c.cells().get(S4).metric(HistoryCheck.Metric.RATIO).marks().get(0);
        assertTrue(!ratio.regression() && ratio.changePoint().relativeChange() < -0.1);
        HistoryCheck.Mark time = c.cells().get(PLAIN).metric(HistoryCheck.Metric.TIME).marks().get(0);
        assertTrue(time.regression() && time.run().id().equals("a-5"), "a slower step is marked: " + time.describe());
        assertTrue(c.lines().stream().anyMatch(l -> l.contains("step time") && l.endsWith("(informative)")), c.lines().toString());
    }

    @Test
    void unstableMetricsAreLabelledNotAlarmed() {
        double[] wild = {1.0, 1.25, 0.82, 1.18, 1.35, 1.62, 1.18, 1.50};
        HistoryCheck c = check(history("wild", 8, r -> {
            double[] v = aa(r);
            v[4] = 1.19 * wild[r - 1];
            return v;
        }, null, 0), 8);
        HistoryCheck.MetricCheck ratio = c.cells().get(S4).metric(HistoryCheck.Metric.RATIO);
        assertTrue(ratio.unstable() && ratio.cvPct() > 10, "CV " + ratio.cvPct());
        assertNull(ratio.alarm());
        assertTrue(c.lines().stream().anyMatch(l -> l.contains("paired ratio unstable across 8 runs")), c.lines().toString());
    }

    @Test
    void anotherMachineStartsANewHistory() {
        Environment other = new Environment("Other CPU", 64, 256L << 30, "none", null, null, "17", "Linux", "0.36.0", "2.7.1");
        HistoryCheck c = check(history("moved", 8, HistoryCheckTest::slowerFrom5, other, 5), 3);
        assertTrue(c.alarms().isEmpty(), "runs 5-8 are on another machine: " + c.lines());
        assertEquals(4, c.cells().get(S4).metric(HistoryCheck.Metric.RATIO).values().length);
    }

    @Test
    void commandExitsOneOnARecentRegressionAndMarksTheSite() throws Exception {
        Path root = history("cli", 6, HistoryCheckTest::slowerFrom5, null, 0);
        Path site = tmp.resolve("site");
        CliRun r = CliRun.exec("history", "--check", "--out", site.toString(), root.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains(S4.id() + ": change point, paired ratio 1.18") && r.out().contains("REGRESSION (alarm)"), r.out());
        String page = Files.readString(site.resolve(HistorySite.cellPage(S4)));
        assertTrue(page.contains("id=\"ratio-chart\"") && page.contains("class=\"change-point regression\""), "marked on the chart");
        assertTrue(page.contains("regression (alarm)"), "in the change-point table");
        assertTrue(Files.readString(site.resolve("index.html")).contains("regression from a-5"));

        CliRun plain = CliRun.exec("history", "--out", tmp.resolve("site2").toString(), root.toString());
        assertEquals(0, plain.code(), "without --check nothing changes: " + plain.err());
        assertTrue(!Files.readString(tmp.resolve("site2").resolve(HistorySite.cellPage(S4))).contains("change-point"));

        CliRun aa = CliRun.exec("history", "--check", "--out", tmp.resolve("site3").toString(),
                history("cli-aa", 8, HistoryCheckTest::aa, null, 0).toString());
        assertEquals(0, aa.code(), aa.out());
        assertTrue(aa.out().contains("check: no regression starts in the newest 3 runs"), aa.out());
    }

    @Test
    void badSettingsAreUsageErrors() {
        Path root = history("bad", 3, HistoryCheckTest::aa, null, 0);
        for (String[] bad : List.of(new String[] {"--max-pvalue", "1.5"}, new String[] {"--recent", "0"},
                new String[] {"--unstable-cv", "-1"}, new String[] {"--ratio-effect", "NaN"})) {
            CliRun r = CliRun.exec("history", "--check", "--out", tmp.resolve("s").toString(), bad[0], bad[1], root.toString());
            assertEquals(2, r.code(), String.join(" ", bad) + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("error: " + bad[0] + " must be"), r.err());
        }
    }
}
