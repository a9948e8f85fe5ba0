package org.medfusion.report;

import org.medfusion.results.RawCsv;
import org.medfusion.results.Fixtures;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.CellStore;
import org.medfusion.results.ReportDataException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReporterTest {

    @TempDir
    Path tmp;

    static Path fixtureRun(Path dir) {
        Fixtures.run().forEach(c -> CellStore.save(dir, c));
        Fixtures.manifest(Fixtures.run(), null).write(dir);
        return dir;
    }

    @Test
    void rendersEveryOutput() throws Exception {
        Path run = fixtureRun(Path.of(System.getProperty("report.dir", tmp.resolve("run").toString())));
        Reporter.Rendered r = Reporter.render(run);
        for (Path p : r.paths()) {
            assertTrue(Files.size(p) > 0, p.toString());
        }
        assertEquals(RawCsv.render(Fixtures.run()), Files.readString(r.rawCsv()));
        assertEquals(3, r.charts().size());

        String md = Files.readString(r.reportMd());
        assertTrue(md.contains("| resnet50 | 32 | 224 | fp32 | gpu | uniform | 1 | cuda.allocated.peak | 8200.0 | 6900.0 | 15.9 % |"),
                md);
        assertTrue(md.contains("![Peak memory of one training step](charts/memory.png)"));
        assertTrue(md.contains("| ResNet50 | 4 | 8.2 | 5.4 | 34 % | gpu fp32, uniform split | 8.01 | 5.27 | 34.1 % |"), md);
        assertTrue(md.contains("**cpu.rss.peak** (bytes)"));
        assertTrue(md.contains("MALLOC_MMAP_THRESHOLD_=65536"));
        assertTrue(md.contains("| GPU | NVIDIA H100 80GB HBM3 |"));
        assertTrue(md.contains("| command | java -jar benchmarks.jar run --config seed-table.yaml |"));
        assertTrue(md.contains("segments 8 > 4 stages, \"quoted\", comma"), "markdown is not HTML-escaped");
        assertFalse(md.contains("{{"), "no unrendered tags");

        String html = Files.readString(r.reportHtml());
        assertTrue(html.contains("<table id=\"memory-table\">"));
        assertTrue(html.contains("src=\"data:image/png;base64,iVBOR"), "charts embedded");
        assertTrue(html.contains("&quot;quoted&quot;"), "HTML escaped");
        assertFalse(html.contains("{{"));

        String sum = r.summary();
        assertTrue(sum.lines().anyMatch(l -> l.startsWith("resnet50 ") && l.contains("-34.1%") && l.contains("+14.8%")),
                sum);
        assertTrue(sum.lines().anyMatch(l -> l.startsWith("resnet152") && l.contains("OOM")), sum);
    }

    @Test
    void rerenderIsIdempotentAndOldRunsRenderFromRawCsv() throws Exception {
        Path run = fixtureRun(tmp.resolve("run"));
        Reporter.Rendered first = Reporter.render(run);
        String memory = Files.readString(first.memoryCsv());
        Reporter.Rendered again = Reporter.render(run);
        assertEquals(memory, Files.readString(again.memoryCsv()));

        // an old run that kept only raw.csv (no cells/, no manifest)
        Path old = tmp.resolve("old");
        Files.createDirectories(old);
        Files.copy(first.rawCsv(), old.resolve("raw.csv"));
        Reporter.Rendered r = Reporter.render(old);
        assertEquals(memory, Files.readString(r.memoryCsv()));
        assertTrue(Files.readString(r.reportMd()).contains("manifest.json was not found"));
    }

    @Test
    void badInputs() throws Exception {
        assertEquals("run directory " + tmp.resolve("missing") + " does not exist",
                assertThrows(ReportDataException.class, () -> Reporter.render(tmp.resolve("missing"))).getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertTrue(assertThrows(ReportDataException.class, () -> Reporter.render(empty)).getMessage()
                .startsWith("no results in " + empty));
        Path corrupt = Files.createDirectories(tmp.resolve("corrupt"));
        Files.writeString(corrupt.resolve("raw.csv"), String.join(",", RawCsv.COLUMNS) + "\nresnet50,resnet,32\n");
        assertEquals(corrupt.resolve("raw.csv") + " line 2: expected " + RawCsv.COLUMNS.size() + " fields, got 3",
                assertThrows(ReportDataException.class, () -> Reporter.render(corrupt)).getMessage());
    }

    /** A run with fp32 and amp cells: the report puts the two precisions side by side at each segment count. */
    @Test
    void precisionsMeetInTheirOwnTable() throws Exception {
        Path run = tmp.resolve("amp");
        List<CellResult> cells = new java.util.ArrayList<>();
        for (org.medfusion.results.Precision p : org.medfusion.results.Precision.values()) {
            for (int s : new int[] {0, 4}) {
                org.medfusion.results.CellKey k = new org.medfusion.results.CellKey("resnet50", 16, 112, s, p,
                        org.medfusion.results.Device.CPU);
                boolean amp = p == org.medfusion.results.Precision.AMP;
                cells.add(Fixtures.ok(k, "resnet", (s == 0 ? 400 : 280) / (amp ? 2 : 1), amp ? 3000 : 1000, null));
            }
        }
        cells.forEach(c -> CellStore.save(run, c));
        Fixtures.manifest(cells, null).write(run);
        String md = Files.readString(Reporter.render(run).reportMd());
        assertTrue(md.contains("## Mixed precision beside fp32"), md);
        assertTrue(md.contains("| resnet50 | 16 | 112 | cpu | uniform | 1 | none | 400.0 | 200.0 | 0.50x | 1020.0 | 3060.0 | 3.00x |"), md);
        assertTrue(md.contains("| resnet50 | 16 | 112 | cpu | uniform | 1 | 4 | 280.0 | 140.0 | 0.50x | 1020.0 | 3060.0 | 3.00x |"), md);
        String fp32Only = Files.readString(Reporter.render(fixtureRun(tmp.resolve("fp32"))).reportMd());
        assertFalse(fp32Only.contains("Mixed precision beside fp32"), "no table when the run has one precision");
    }

    @Test
    void runWithoutFiguresStillRenders() throws Exception {
        Path run = tmp.resolve("failing");
        CellStore.save(run, CellResult.failed(Fixtures.key("resnet50", 0), "resnet", CellStatus.OOM, "out of memory"));
        Fixtures.manifest(List.of(), null).write(run);
        Reporter.Rendered r = Reporter.render(run);
        assertTrue(r.charts().isEmpty());
        String md = Files.readString(r.reportMd());
        assertTrue(md.contains("No chart"));
        assertTrue(md.contains("| resnet50_b32_r224_s0_fp32_gpu | oom | out of memory |"), md);
    }
}
