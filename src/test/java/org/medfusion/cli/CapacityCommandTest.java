package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.MemoryMethod;
import org.medfusion.capacity.EqualMemoryCsv;
import org.medfusion.capacity.EqualMemoryRow;

/** {@code capacity}'s usage errors: one line naming the bad value and what is allowed, exit 2, before anything is measured. */
class CapacityCommandTest {

    private static void usage(String expected, String... args) {
        CliRun r = CliRun.exec(args);
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
    }

    @Test
    void badCapIsOneLine() {
        usage("--cap must be a positive size in bytes or with a unit such as 364MB, 350MiB or 1.5GiB, got '12xB'",
                "capacity", "--model", "resnet18", "--cap", "12xB");
        usage("got '0'", "capacity", "--model", "resnet18", "--cap", "0");
    }

    @Test
    void badModeSegmentsOrLimitsAreOneLine() {
        usage("--modes: mode must be one of plain, uniform, optimal, got 'torch'", "capacity", "--model", "resnet18", "--cap", "100MiB",
                "--modes", "plain,torch");
        usage("--max-batch must be >= 1, got 0", "capacity", "--model", "resnet18", "--cap", "100MiB", "--max-batch", "0");
        usage("--start-batch must be >= 1, got 0", "capacity", "--model", "resnet18", "--cap", "100MiB", "--start-batch", "0");
        usage("resnet18", "capacity", "--model", "resnet18", "--res", "32", "--cap", "100MiB", "--segments", "99");
        usage("nosuchmodel", "capacity", "--model", "nosuchmodel", "--cap", "100MiB");
    }

    @Test
    void planIsWrittenAsBlockRanges() {
        assertEquals("[0,3) [3,6) [6,8) [8,10)", CapacityCommand.rangesText(org.medfusion.checkpoint.SegmentPlan.uniform(10, 4)));
    }

    @Test
    void capParsesUnits() {
        assertEquals(364_000_000L, CapacityCommand.parseCap("364MB"));
        assertEquals(350L << 20, CapacityCommand.parseCap("350MiB"));
        assertEquals(1234L, CapacityCommand.parseCap("1234"));
    }

    /**
     * The real path, two tiny memory forks (ResNet-18, 64 px, plain; at 32 px batch 1 fails in BatchNorm): a 1-byte cap fits nothing, yet both probes are
     * measured (a peak each), the file is written and the command ends 0 with "nothing fits".
     */
    @Test
    void realProbesUnderACapNothingFits(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.exec("capacity", "--model", "resnet18", "--res", "64", "--cap", "1", "--modes", "plain", "--start-batch", "2",
                "--max-batch", "2", "--memory-iterations", "1", "--time-iterations", "0", "--out", dir.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        // batch 1 cannot train a BatchNorm model (validation says so): a failed probe, never reported as "does not fit"
        assertTrue(r.out().contains("0 (batch 1 failed: error, not a memory figure; see the probes)"), r.out());
        assertTrue(r.out().contains("nothing fits, with or without checkpointing") || r.out().lines().noneMatch(l -> l.startsWith("- ")), r.out());
        List<EqualMemoryRow> rows = EqualMemoryCsv.read(dir.resolve(EqualMemoryCsv.FILE));
        assertEquals(1, rows.size());
        EqualMemoryRow row = rows.get(0);
        assertEquals(0, row.largestBatch());
        assertEquals(MemoryMethod.CPU_RSS_PEAK, row.memoryMethod());
        assertTrue(row.probes().matches("2:\\d+ 1:error"), row.probes()); // batch 1 cannot train BatchNorm: a failed probe
        assertEquals(16L * 11_689_512L, row.modelStateBytes(), "resnet18's 11,689,512 parameters x 4 fp32 copies");
    }
}
