package org.medfusion.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.report.Reporter;

class HistoryTest {

    @TempDir
    Path tmp;

    History history() {
        return new History(HistoryRuns.load(List.of(HistoryFixtures.fourRuns(tmp.resolve("results")))),
                History.Tolerances.DEFAULT);
    }

    @Test
    void runsAreFoundBelowAFolderAndOrderedByStartTime() {
        History h = history();
        assertEquals(List.of("r1", "r2", "r3", "r4"), h.runs().stream().map(HistoryRun::id).toList());
        assertEquals("2222222222", h.runs().get(1).shortCommit());
        assertEquals(3, h.series().size(), "plain, s4 and the OOM cell of r2");
        History.Series oom = h.series().values().stream().filter(s -> s.key().model().equals("vit_b_16")).findFirst().orElseThrow();
        assertEquals(1, oom.points().size());
        assertEquals(null, oom.latest().stepMedian(), "an OOM cell has no figures");
    }

    @Test
    void regressionsAreMarkedAgainstThePreviousRunOfTheSameMachine() {
        History h = history();
        List<History.Point> plain = h.series().get(HistoryFixtures.PLAIN).points();
        List<History.Point> s4 = h.series().get(HistoryFixtures.S4).points();
        // memory: +1 % is within 2 %; 621 -> 634 MiB is +2.1 %
        assertEquals(List.of(false, false, true, false), plain.stream().map(History.Point::memoryRegression).toList());
        // time: +1 % overlaps; +20 % (1212 -> 1440 ms) lies above the previous CI + 5 %; r4 is another machine
        assertEquals(List.of(false, false, true, false), s4.stream().map(History.Point::timeRegression).toList());
        assertEquals(List.of(false, false, false, false), plain.stream().map(History.Point::timeRegression).toList());
        assertEquals(1, h.series().get(HistoryFixtures.S4).regressions());
    }

    @Test
    void runsAtAnotherThreadCountAreNotComparedForRegressions() {
        Path root = tmp.resolve("threads");
        var env = org.medfusion.results.Fixtures.env();
        HistoryFixtures.run(root, "t2", "2026-11-01T10:00:00Z", "aaaa", env.withIntraOpThreads(2),
                List.of(HistoryFixtures.cell(HistoryFixtures.PLAIN, 615, 1000)));
        HistoryFixtures.run(root, "t1", "2026-11-02T10:00:00Z", "bbbb", env.withIntraOpThreads(1),
                List.of(HistoryFixtures.cell(HistoryFixtures.PLAIN, 615, 1600)));
        HistoryFixtures.run(root, "t1b", "2026-11-03T10:00:00Z", "cccc", env.withIntraOpThreads(1),
                List.of(HistoryFixtures.cell(HistoryFixtures.PLAIN, 615, 2000)));
        List<History.Point> points = new History(HistoryRuns.load(List.of(root)), History.Tolerances.DEFAULT).series()
                .get(HistoryFixtures.PLAIN).points();
        // 1000 ms at 2 threads -> 1600 ms at 1 thread is not a regression; 1600 -> 2000 ms at 1 thread is
        assertEquals(List.of(false, false, true), points.stream().map(History.Point::timeRegression).toList());
    }

    @Test
    void toleranceDecidesTheMark() {
        History loose = new History(HistoryRuns.load(List.of(HistoryFixtures.fourRuns(tmp.resolve("results")))),
                new History.Tolerances(5.0, 0, 25.0));
        assertFalse(loose.series().get(HistoryFixtures.PLAIN).points().get(2).memoryRegression(), "+2.1 % < 5 %");
        assertFalse(loose.series().get(HistoryFixtures.S4).points().get(2).timeRegression(), "+20 % < 25 % + CI");
        assertThrows(IllegalArgumentException.class, () -> new History.Tolerances(-1, 0, 5));
    }

    @Test
    void shardsCoveredByTheirMergeCountOnce() throws Exception {
        Path root = tmp.resolve("results");
        List<org.medfusion.results.CellResult> cells = List.of(HistoryFixtures.cell(HistoryFixtures.PLAIN, 615, 1000),
                HistoryFixtures.cell(HistoryFixtures.S4, 303, 1200));
        Path shard = HistoryFixtures.run(root, "zoo-shard1", "2026-11-01T10:00:00Z", "aaaa", org.medfusion.results.Fixtures.env(), cells);
        org.medfusion.results.RunManifest m = org.medfusion.results.RunManifest.read(shard);
        m.toBuilder().shard("1/2").build().write(shard);
        assertEquals(List.of("zoo-shard1"), HistoryRuns.load(List.of(root)).stream().map(HistoryRun::id).toList(),
                "a shard alone is a run");
        org.medfusion.results.Merger.merge(List.of(shard), tmp.resolve("results/zoo-merged"), "merge");
        assertEquals(List.of("zoo-merged"), HistoryRuns.load(List.of(root)).stream().map(HistoryRun::id).toList());
    }

    @Test
    void noRunsIsAUsageError() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HistoryRuns.load(List.of(empty))).getMessage()
                .startsWith("history: no run directory (one holding manifest.json) under"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HistoryRuns.load(List.of(tmp.resolve("nope"))))
                .getMessage().contains("is not a directory"));
    }

    @Test
    void siteHasAnOverviewCellPagesAndCopiedReports() throws Exception {
        Path results = HistoryFixtures.fourRuns(tmp.resolve("results"));
        Reporter.render(results.resolve("r3"));
        History h = new History(HistoryRuns.load(List.of(results)), History.Tolerances.DEFAULT);
        Path site = tmp.resolve("site");
        Path index = HistorySite.write(h, site);
        String html = Files.readString(index);
        for (History.Series s : h.series().values()) {
            assertTrue(html.contains("<a href=\"" + HistorySite.cellPage(s.key()) + "\">" + s.key().id() + "</a>"));
            assertTrue(Files.isRegularFile(site.resolve(HistorySite.cellPage(s.key()))));
        }
        assertTrue(html.contains("<a href=\"runs/r3/report.html\">report</a>"), "link to the copied report");
        assertTrue(Files.isRegularFile(site.resolve("runs/r3/report.html")));
        assertTrue(Files.isRegularFile(site.resolve("runs/r3/raw.csv")), "the report's CSV links keep working");
        assertFalse(html.contains("<script") || html.contains("src=\"http") || html.contains("href=\"http")
                || html.contains("<link"), "no scripts, no external resources");
        String cell = Files.readString(site.resolve(HistorySite.cellPage(HistoryFixtures.S4)));
        assertTrue(cell.contains("<svg id=\"time-chart\""));
        assertEquals(1, cell.split("class=\"point regression\"", -1).length - 1, "one marked time point");
        assertTrue(cell.contains("<a href=\"../runs/r3/report.html\">"), "points link to their run's report");
        assertTrue(cell.contains("<code>3333333333</code>"), "commit shown");
    }
}
