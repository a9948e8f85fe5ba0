package org.medfusion.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/**
 * Loads report.html in headless Chromium (Debian package {@code chromium}) and checks, in the DOM Chromium built,
 * that the tables and the embedded chart images are there. Skipped when /usr/bin/chromium is absent.
 */
class HtmlInChromiumTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path tmp;

    @Test
    void reportLoadsWithTablesAndImages() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "chromium not installed (apt-get install -y chromium)");
        Path run = ReporterTest.fixtureRun(tmp.resolve("run"));
        Reporter.Rendered r = Reporter.render(run);
        Path profile = Files.createDirectories(tmp.resolve("profile"));
        Process p = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--no-first-run", "--disable-component-update",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--dump-dom",
                r.reportHtml().toUri().toString())).redirectError(tmp.resolve("chromium.err").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium did not finish");
        String dom = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(tmp.resolve("chromium.err")));
        for (String id : List.of("memory-table", "slowdown-table", "seed-memory-table", "seed-time-table",
                "environment-table", "failed-table")) {
            assertTrue(dom.contains("<table id=\"" + id + "\""), "table " + id + " in the DOM");
        }
        assertTrue(dom.contains("<td>resnet50</td>"), "table rows parsed");
        Matcher m = Pattern.compile("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(dom);
        int images = 0;
        while (m.find()) {
            byte[] png = java.util.Base64.getDecoder().decode(m.group(1));
            assertEquals('P', png[1]);
            images++;
        }
        assertEquals(3, images, "three embedded charts");
    }
}
