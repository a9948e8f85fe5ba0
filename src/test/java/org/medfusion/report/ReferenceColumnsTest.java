package org.medfusion.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.CellIndex;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStore;
import org.medfusion.results.Fixtures;
import org.medfusion.results.RawCsv;
import org.medfusion.results.ReferenceFigures;
import org.medfusion.results.ReferenceFramework;
import org.medfusion.results.ReferenceStore;

/**
 * PyTorch beside us in the CSVs and the report: the extra columns of a run with a reference (golden files), none in a
 * run without one, and the report's section and chart on a fixture run directory (no PyTorch needed).
 */
class ReferenceColumnsTest {

    @TempDir
    Path tmp;

    private static CellIndex index() {
        return new CellIndex(Fixtures.run());
    }

    @Test
    void rawCsvWithReferenceGolden() throws Exception {
        Golden.check("raw-reference.csv", RawCsv.render(Fixtures.run(), index(), Fixtures.references()));
    }

    @Test
    void memoryCsvWithReferenceGolden() throws Exception {
        ReferenceTable r = ReferenceTable.of(index(), Fixtures.references());
        Golden.check("memory-reference.csv", MemoryTable.of(index()).toCsv(r.memoryHeader(), r.memoryRows()));
    }

    @Test
    void slowdownCsvWithReferenceGolden() throws Exception {
        ReferenceTable r = ReferenceTable.of(index(), Fixtures.references());
        Golden.check("slowdown-reference.csv", SlowdownTable.of(index()).toCsv(r.slowdownHeader(), r.slowdownRows()));
    }

    @Test
    void withoutAReferenceTheCsvsAreTheGoldenOnes() throws Exception {
        Golden.check("raw.csv", RawCsv.render(Fixtures.run(), index(), null));
        Golden.check("memory.csv", MemoryTable.of(index()).toCsv(List.of(), java.util.Collections.nCopies(4, List.of())));
    }

    @Test
    void rawCsvWithReferenceColumnsReadsBackAsTheCells() throws Exception {
        Path f = RawCsv.write(tmp.resolve("raw.csv"), Fixtures.run(), index(), Fixtures.references());
        List<CellResult> expected = new ArrayList<>(Fixtures.run());
        expected.sort((a, b) -> CellKey.ORDER.compare(a.key(), b.key()));
        assertEquals(expected, RawCsv.read(f));
    }

    @Test
    void reportOfAFixtureRunHasThePyTorchSectionAndChart() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Fixtures.run().forEach(c -> CellStore.save(run, c));
        Fixtures.manifest(Fixtures.run(), null).write(run);
        ReferenceStore.configure(run, ReferenceFramework.TORCH);
        Fixtures.references().byCellId().forEach((id, fig) -> ReferenceStore.save(run, ReferenceFramework.TORCH,
                Fixtures.run().stream().map(CellResult::key).filter(k -> k.id().equals(id)).findFirst().orElseThrow(), fig));
        Reporter.Rendered r = Reporter.render(run);
        String md = Files.readString(r.reportMd());
        assertTrue(md.contains("## PyTorch beside us"), md);
        String r50s4 = md.lines().filter(l -> l.startsWith("| resnet50_b32_r224_s4_fp32_gpu ")).findFirst().orElseThrow();
        assertTrue(r50s4.contains("| 5400.0 | 5000.0 | 1.080 |"), r50s4);
        assertTrue(r50s4.contains("| 363.1 | 350.0 | 1.037 | 11.1 % |"), r50s4);
        assertTrue(r50s4.contains("| 15.0 % |"), "PyTorch's paired increase: " + r50s4);
        String cb0 = md.lines().filter(l -> l.startsWith("| convnext_base_b32_r224_s0_fp32_gpu ")).findFirst().orElseThrow();
        assertTrue(cb0.contains("not available") && cb0.contains("no python3 with torch and torchvision"), cb0);
        String vit8 = md.lines().filter(l -> l.startsWith("| vit_b_16_b32_r224_s8_fp32_gpu ")).findFirst().orElseThrow();
        assertTrue(vit8.contains("not measured yet"), vit8);
        assertTrue(md.contains("- not available: our cell is oom: no figures of ours to compare"), md);
        assertTrue(Files.isRegularFile(run.resolve("charts/reference-peak.png")) && Files.isRegularFile(run.resolve("charts/reference-peak.svg")));
        assertTrue(md.contains("charts/reference-peak.png"), md);
        String html = Files.readString(r.reportHtml());
        assertTrue(html.contains("<h2 id=\"pytorch\">PyTorch beside us</h2>") && html.contains("id=\"chart-reference-peak\""));
        assertTrue(Files.readString(r.memoryCsv()).lines().findFirst().orElseThrow().endsWith("torch_peak_s8_bytes,peak_ratio_torch_s8"));
        assertTrue(Files.readString(r.rawCsv()).contains(",not available,"));
    }

    /**
     * A memory-only run ({@code timing: off}) of the seed's cells on the CPU (seed-table-cpu): the time section says
     * nothing was timed (no table of dashes), PyTorch's step column says "not measured", and the seed comparison takes
     * our CPU cells, saying which device they are from.
     */
    @Test
    void aMemoryOnlyCpuSeedTableRunSaysTimesAreNotMeasuredAndFillsTheSeedColumns() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("memory-only"));
        List<CellResult> cells = Fixtures.run().stream().map(c -> c.toBuilder().key(new CellKey(c.key().model(), 32, 224,
                c.key().segments(), org.medfusion.checkpoint.Split.TORCH, c.key().precision(), org.medfusion.results.Device.CPU))
                .timing(CellResult.Timing.NONE).build()).toList();
        cells.forEach(c -> CellStore.save(run, c));
        Fixtures.manifest(cells, null).write(run);
        ReferenceStore.configure(run, ReferenceFramework.TORCH);
        CellResult r50s4 = cells.stream().filter(c -> c.key().model().equals("resnet50") && c.key().segments() == 4).findFirst().orElseThrow();
        ReferenceStore.save(run, ReferenceFramework.TORCH, r50s4.key(),
                new ReferenceFigures("ok", null, 5000L * Fixtures.MIB, null, null, null, "torch 1.13", 2));
        Reporter.Rendered r = Reporter.render(run);
        String md = Files.readString(r.reportMd());
        assertTrue(md.contains("Step times not measured: this run measured memory only (the config's timing: off)"), md);
        assertFalse(md.contains("Median step time in ms"), "no explanation of a table that is not there: " + md);
        String row = md.lines().filter(l -> l.startsWith("| resnet50_b32_r224_s4_torch_fp32_cpu ")).findFirst().orElseThrow();
        assertTrue(row.contains("| 5400.0 | 5000.0 | 1.080 | – | not measured | – |"), row);
        assertTrue(md.contains("Our columns come from this run's CPU cells of the seed's configuration"), md);
        String seedR50 = md.lines().filter(l -> l.startsWith("| ResNet50 | 4 |")).findFirst().orElseThrow();
        assertTrue(seedR50.contains("| cpu fp32, torch split | 8.01 | 5.27 | 34.1 % |"), seedR50);
        assertTrue(Files.readString(r.reportHtml()).contains("<p id=\"no-step-times\">Step times not measured"));
    }

    @Test
    void aRunWithoutAReferenceHasNoSectionNoChartNoColumns() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("plain-run"));
        Fixtures.run().forEach(c -> CellStore.save(run, c));
        Reporter.Rendered r = Reporter.render(run);
        assertFalse(Files.readString(r.reportMd()).contains("PyTorch beside us"));
        assertFalse(Files.exists(run.resolve("charts/reference-peak.png")));
        assertFalse(Files.readString(r.rawCsv()).contains("torch_"));
        assertFalse(Files.readString(r.slowdownCsv()).contains("torch"));
    }

    @Test
    void aConfiguredRunWithNothingMeasuredYetStillRenders() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("empty-ref"));
        Fixtures.run().forEach(c -> CellStore.save(run, c));
        ReferenceStore.configure(run, ReferenceFramework.TORCH);
        Reporter.Rendered r = Reporter.render(run);
        assertTrue(Files.readString(r.reportMd()).contains("not measured yet"));
        assertFalse(Files.exists(run.resolve("charts/reference-peak.png")), "no cell has both peaks: no chart");
        assertEquals(ReferenceFigures.NOT_AVAILABLE, ReferenceFigures.notAvailable("x").status());
    }
}
