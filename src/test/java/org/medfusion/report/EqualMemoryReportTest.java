package org.medfusion.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.MemoryMethod;
import org.medfusion.capacity.CapacityMode;
import org.medfusion.capacity.EqualMemoryCsv;
import org.medfusion.capacity.EqualMemoryRow;
import org.medfusion.results.CellStore;
import org.medfusion.results.Fixtures;

/** The equal-memory section of the report from a small {@code equal-memory.csv} fixture, and its sentences. */
class EqualMemoryReportTest {

    @TempDir
    Path tmp;

    private static EqualMemoryRow row(String model, long cap, CapacityMode mode, int batch, Long peak, Double ms, Double lo, Double hi) {
        return new EqualMemoryRow(model, 112, "fp32", "cpu", cap, mode, mode.segments(4), mode.checkpointed() ? "[0,1) [1,2) [2,3) [3,10)" : "",
                batch, false, peak, MemoryMethod.CPU_RSS_PEAK, ms, lo, hi, ms == null ? 0 : 6, ms == null ? (batch == 0 ? "nothing fits" : "not timed") : "",
                batch == 0 ? "1:oom" : batch + ":" + peak + " " + (batch + 1) + ":999999999", 186_953_920L);
    }

    /** resnet18 at 110 MB: 16 / 23 / 28 (throughput up for optimal, overlapping for uniform); resnet50 at 50 MB: nothing fits plain. */
    static List<EqualMemoryRow> fixture() {
        long cap = 110_000_000L;
        long small = 50_000_000L;
        return List.of(
                row("resnet18", cap, CapacityMode.PLAIN, 16, 107_000_000L, 1000.0, 950.0, 1050.0),
                row("resnet18", cap, CapacityMode.UNIFORM, 23, 108_000_000L, 1420.0, 1300.0, 1600.0),
                row("resnet18", cap, CapacityMode.OPTIMAL, 28, 109_000_000L, 1500.0, 1450.0, 1550.0),
                row("resnet50", small, CapacityMode.PLAIN, 0, null, null, null, null),
                row("resnet50", small, CapacityMode.OPTIMAL, 2, 45_000_000L, 900.0, 880.0, 920.0));
    }

    @Test
    void csvRoundTrips() {
        Path f = EqualMemoryCsv.write(tmp.resolve(EqualMemoryCsv.FILE), fixture());
        assertEquals(fixture(), EqualMemoryCsv.read(f));
    }

    @Test
    void sentencesFollowTheMeasuredNumbers() {
        List<String> v = EqualMemoryTable.of(fixture()).verdicts();
        assertEquals(3, v.size(), v.toString());
        // optimal: 16 -> 28, 16.00 -> 18.67 samples/s, intervals [15.24, 16.84] and [18.06, 19.31] apart
        assertTrue(v.get(1).contains("optimal split") && v.get(1).contains("grows from 16 to 28") && v.get(1).contains("buys throughput"), v.get(1));
        // uniform: 16 -> 23, 16.20 samples/s, interval [14.38, 17.69] overlaps plain's
        assertTrue(v.get(0).contains("uniform split") && v.get(0).contains("overlap"), v.get(0));
        assertTrue(v.get(2).contains("without checkpointing not even batch 1 fits") && v.get(2).contains("batch 2 fits"), v.get(2));
    }

    @Test
    void batchOneFailingForAnotherReasonIsNotCalledOutOfMemory() {
        EqualMemoryRow r = new EqualMemoryRow("resnet18", 32, "fp32", "cpu", 1L, CapacityMode.PLAIN, 0, "", 0, false, null, MemoryMethod.CPU_RSS_PEAK,
                null, null, null, 0, "nothing fits", "2:47292416 1:error", 186_953_920L);
        String cell = EqualMemoryTable.of(List.of(r)).display().rows().get(0).get(5);
        assertTrue(cell.contains("batch 1 failed: error"), cell);
    }

    @Test
    void noLargerBatchOrSlowerStepsAreSaidSo() {
        long cap = 1_000L;
        EqualMemoryRow plain = row("m", cap, CapacityMode.PLAIN, 16, 900L, 100.0, 95.0, 105.0);
        assertTrue(EqualMemoryTable.verdict(plain, row("m", cap, CapacityMode.UNIFORM, 16, 800L, 130.0, 120.0, 140.0))
                .contains("cannot buy throughput"));
        assertTrue(EqualMemoryTable.verdict(plain, row("m", cap, CapacityMode.UNIFORM, 18, 990L, 200.0, 190.0, 210.0))
                .contains("throughput falls"));
    }

    @Test
    void reportShowsTheTableTheSentencesAndTheCharts() throws Exception {
        Path run = tmp.resolve("run");
        Fixtures.run().forEach(c -> CellStore.save(run, c));
        Fixtures.manifest(Fixtures.run(), null).write(run);
        EqualMemoryCsv.write(run.resolve(EqualMemoryCsv.FILE), fixture());
        Reporter.Rendered r = Reporter.render(run);
        assertTrue(r.charts().stream().anyMatch(c -> c.name().equals(Charts.EQUAL_MEMORY_BATCH)));
        assertTrue(r.charts().stream().anyMatch(c -> c.name().equals(Charts.EQUAL_MEMORY_THROUGHPUT)));
        String md = Files.readString(r.reportMd());
        assertTrue(md.contains("## Equal memory: largest batch under a memory cap"), md);
        assertTrue(md.contains("| resnet18 | 112 | 104.9 | optimal | 4 | 28 | 104.0 | 1500.0 [1450.0, 1550.0] | 18.67 [18.06, 19.31] | 2 | 178.3 |"), md);
        assertTrue(md.contains("| resnet50 | 112 | 47.7 | plain | - | 0 (nothing fits) |"), md);
        assertTrue(md.contains("- resnet18 112 px @ 104.9 MiB, optimal split, 4 segments: the largest batch grows from 16 to 28"), md);
        assertTrue(md.contains("![Equal memory: largest batch that fits the cap](charts/equal-memory-batch.png)"), md);
        assertFalse(md.contains("{{"));
        String html = Files.readString(r.reportHtml());
        assertTrue(html.contains("<table id=\"equal-memory-table\">"));
        assertTrue(html.contains("<li>resnet50 112 px @ 47.7 MiB, optimal split, 4 segments: without checkpointing"), html);
    }

    @Test
    void reportWithoutTheFileHasNoSection() throws Exception {
        Path run = tmp.resolve("plain-run");
        Fixtures.run().forEach(c -> CellStore.save(run, c));
        Fixtures.manifest(Fixtures.run(), null).write(run);
        String md = Files.readString(Reporter.render(run).reportMd());
        assertFalse(md.contains("Equal memory"));
    }

    @Test
    void aDirectoryWithOnlyTheComparisonRenders() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("capacity-only"));
        EqualMemoryCsv.write(dir.resolve(EqualMemoryCsv.FILE), fixture());
        String md = Files.readString(Reporter.render(dir).reportMd());
        assertTrue(md.contains("## Equal memory"), md);
    }
}
