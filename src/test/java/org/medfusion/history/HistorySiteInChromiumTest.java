package org.medfusion.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.report.Reporter;

/**
 * Loads the history site in headless Chromium (Debian package {@code chromium}) and checks, in the DOM Chromium
 * built, that the overview table has a row per cell with two sparklines each, that every link in it resolves to a
 * file of the site, and that a cell page holds both charts with a point per run. Skipped without /usr/bin/chromium.
 */
class HistorySiteInChromiumTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path tmp;

    String dom(Path page) throws Exception {
        Path profile = Files.createDirectories(tmp.resolve("profile"));
        Path err = tmp.resolve("chromium.err");
        Process p = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--no-first-run", "--disable-component-update",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--dump-dom", page.toUri().toString()))
                .redirectError(err.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium did not finish");
        assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(err));
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void overviewAndCellPageRender() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "chromium not installed (apt-get install -y chromium)");
        Path results = HistoryFixtures.fourRuns(tmp.resolve("results"));
        Reporter.render(results.resolve("r1"));
        History h = new History(HistoryRuns.load(List.of(results)), History.Tolerances.DEFAULT);
        Path site = tmp.resolve("site");
        Path index = HistorySite.write(h, site);

        String dom = dom(index);
        assertTrue(dom.contains("<table id=\"cells-table\""), "overview table in the DOM");
        assertTrue(dom.contains("<table id=\"runs-table\""), "runs table in the DOM");
        String cells = dom.substring(dom.indexOf("<table id=\"cells-table\""), dom.indexOf("<table id=\"runs-table\""));
        assertEquals(h.series().size(), count(cells, "<tr") - 1, "one row per cell");
        assertEquals(2 * h.series().size(), count(cells, "<svg class=\"spark\""), "two sparklines per row");
        assertTrue(cells.contains("<span class=\"reg\">1</span>"), "the s4 cell's regression (r3) is counted");
        assertFalse(dom.contains("<img"), "no images to break: charts are inline SVG");
        Matcher m = Pattern.compile("href=\"([^\"]+)\"").matcher(dom);
        int links = 0;
        while (m.find()) {
            assertTrue(Files.isRegularFile(site.resolve(m.group(1))), "broken link " + m.group(1));
            links++;
        }
        assertEquals(h.series().size() + 1, links, "a link per cell and one to r1's report");

        String cell = dom(site.resolve(HistorySite.cellPage(HistoryFixtures.S4)));
        assertTrue(cell.contains("<svg id=\"memory-chart\"") && cell.contains("<svg id=\"time-chart\""), "both charts");
        String time = cell.substring(cell.indexOf("<svg id=\"time-chart\""));
        time = time.substring(0, time.indexOf("</svg>"));
        assertEquals(4, count(time, "<circle"), "a point per run");
        assertEquals(1, count(time, "class=\"point regression\""), "the +20 % run is marked");
        assertEquals(5, count(cell.substring(cell.indexOf("<table id=\"points-table\"")), "<tr"), "header + 4 runs");
    }

    private static int count(String s, String what) {
        return s.split(Pattern.quote(what), -1).length - 1;
    }
}
