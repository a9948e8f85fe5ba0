package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.CellStore;
import org.medfusion.results.Fixtures;
import org.medfusion.results.RunManifest;

/** {@code history} and {@code run --shard auto} through the CLI: exit codes and one-line errors. */
class HistoryShardCommandTest {

    @TempDir
    Path tmp;

    @Test
    void historyWritesTheSiteAndPrintsItsIndexLast() throws Exception {
        Path run = tmp.resolve("results/run-a");
        Fixtures.run().forEach(c -> CellStore.save(run, c));
        Fixtures.manifest(Fixtures.run(), null).write(run);
        CliRun r = CliRun.exec("history", "--out", tmp.resolve("site").toString(), tmp.resolve("results").toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(tmp.resolve("site/index.html").toAbsolutePath().toString(), lines.get(lines.size() - 1));
        assertTrue(lines.get(0).startsWith("1 runs, 13 cells"), r.out());
        assertTrue(Files.isRegularFile(tmp.resolve("site/cells/resnet50_b32_r224_s4_fp32_gpu.html")));
    }

    @Test
    void historyBadInputIsAUsageError() throws Exception {
        CliRun r = CliRun.exec("history", "--out", tmp.resolve("site").toString(), Files.createDirectories(tmp.resolve("empty")).toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().startsWith("error: history: no run directory (one holding manifest.json) under"), r.err());
        r = CliRun.exec("history", "--out", tmp.resolve("site").toString(), "--time-tolerance", "-3", tmp.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("error: tolerances must be >= 0 percent, got memory 2.0, time -3.0", r.err().strip());
    }

    /** More shards than cell groups: the empty shard succeeds and counts as present; a merge without shard 1 exits 1. */
    @Test
    void emptyShardSucceedsAndAMergeLackingAShardNamesIt() throws Exception {
        Path shard = tmp.resolve("array/shard-1");
        CliRun r = CliRun.exec("run", "--config", "ci-tiny", "--shard", "2/2", "--out", shard.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().startsWith("shard 2/2 holds no cells: ci-tiny has 1 cell group (a plain cell with its checkpointed"
                + " cells) for 2 shards; nothing to measure"), r.out());
        RunManifest m = RunManifest.read(shard);
        assertEquals("2/2", m.shard());
        assertTrue(m.cells().isEmpty() && m.finishedAt() != null, m.toString());

        Path merged = tmp.resolve("array/merged");
        CliRun merge = CliRun.exec("merge", "--out", merged.toString(), shard.toString());
        assertEquals(ExitCodes.FAILED, merge.code(), merge.err());
        assertEquals("error: incomplete merge: shard 1/2 of the matrix not among the directories given, or not finished there; "
                + merged + " lists them as missingShards (its report says so; no baseline)", merge.err().strip());
        assertEquals(List.of("1/2"), RunManifest.read(merged).missingShards());
        assertTrue(merge.out().strip().endsWith(merged.toString()), "the merged directory is still written and printed last");
    }

    @Test
    void shardAutoWithoutSchedulerIsAUsageError() {
        for (String v : List.of("MEDFUSION_SHARD", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX")) {
            assumeTrue(System.getenv(v) == null, v + " is set in this environment");
        }
        CliRun r = CliRun.exec("run", "--config", "smoke", "--shard", "auto", "--out", tmp.resolve("run").toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().startsWith("error: --shard auto found no shard in the environment: set MEDFUSION_SHARD=k/n"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line");
    }
}
