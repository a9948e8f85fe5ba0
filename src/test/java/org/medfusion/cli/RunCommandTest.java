package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.MemoryMethod;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.CellStore;

/**
 * End to end on CPU with a tiny matrix: {@code run} measures every cell in real forks, writes the
 * cells, tables, charts and report, prints the run directory last; a second run into the same
 * directory measures only the cell that is missing.
 */
class RunCommandTest {

    static final String CONFIG = String.join("\n",
            "name: e2e",
            "models: [resnet18]",
            "batch_sizes: [2]",
            "resolutions: [32]",
            "segments: [0, 2]",
            "timing: {warmup: 1, iterations: 6, forks: 1}",
            "memory: {warmup: 2, iterations: 1, forks: 1}",
            "threads: 1",
            "");

    static String[] run(Path config, Path out, StringWriter stdout) {
        return new String[] {"run", "--config", config.toString(), "--out", out.toString()};
    }

    @Test
    void runMeasuresReportsAndResumes(@TempDir Path tmp) throws Exception {
        Path config = Files.writeString(tmp.resolve("e2e.yaml"), CONFIG);
        Path out = tmp.resolve("run");
        StringWriter stdout = new StringWriter();
        int rc = Main.execute(run(config, out, stdout), new PrintWriter(stdout, true), new PrintWriter(new StringWriter(), true));
        assertEquals(0, rc, stdout.toString());
        String[] lines = stdout.toString().strip().split("\n");
        assertEquals(out.toAbsolutePath().toString(), lines[lines.length - 1]);

        List<CellResult> cells = CellStore.load(out);
        assertEquals(2, cells.size());
        for (CellResult c : cells) {
            assertEquals(CellStatus.OK, c.status(), c.key() + ": " + c.message());
            assertNotNull(c.peakBytes());
            assertTrue(c.peakBytes() > 0, "peak " + c.peakBytes());
            assertEquals(MemoryMethod.CPU_RSS_PEAK, c.memoryMethod());
            assertEquals(6, c.stepMsSamples().size());
            assertTrue(c.stepMsCiLow() <= c.stepMsMedian() && c.stepMsMedian() <= c.stepMsCiHigh());
        }
        assertNotNull(cells.get(1).recomputeForwardMs(), "the 2-segment cell measures its recompute floor");
        assertEquals(1, org.medfusion.results.RunManifest.read(out).environment().intraOpThreads(), "the config's threads, recorded");
        for (String f : List.of("raw.csv", "memory.csv", "slowdown.csv", "report.md", "report.html", "manifest.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }

        // resume: drop one finished cell; only that one is measured again
        Path plain = CellStore.cellFile(out, cells.get(0).key());
        long otherModified = Files.getLastModifiedTime(CellStore.cellFile(out, cells.get(1).key())).toMillis();
        Files.delete(plain);
        StringWriter again = new StringWriter();
        assertEquals(0, Main.execute(run(config, out, again), new PrintWriter(again, true), new PrintWriter(new StringWriter(), true)));
        assertTrue(Files.exists(plain));
        assertEquals(otherModified, Files.getLastModifiedTime(CellStore.cellFile(out, cells.get(1).key())).toMillis(),
                "a finished cell must not be measured again");

        // a failed cell is not a result: kept with --keep-errors (exit 4, counted in the closing lines) ...
        CellKey plainKey = cells.get(0).key();
        CellStore.save(out, CellResult.failed(plainKey, "resnet", CellStatus.CRASH, "SIGFPE in the memory run at C [libx.so+0x1]"));
        StringWriter kept = new StringWriter();
        assertEquals(ExitCodes.ERROR, Main.execute(keepErrors(run(config, out, kept)), new PrintWriter(kept, true),
                new PrintWriter(new StringWriter(), true)));
        assertEquals(CellStatus.CRASH, CellStore.read(plain).status());
        assertTrue(kept.toString().contains("cells: 2, 1 ok, 0 oom, 0 error, 0 unsupported, 1 crash\n"
                + "  1 crash: SIGFPE in the memory run at C [libx.so+0x1] [" + plainKey.id() + "]\n"), kept.toString());
        // ... and measured again by default
        StringWriter retried = new StringWriter();
        StringWriter progress = new StringWriter();
        assertEquals(0, Main.execute(run(config, out, retried), new PrintWriter(retried, true), new PrintWriter(progress, true)));
        assertEquals(CellStatus.OK, CellStore.read(plain).status());
        assertTrue(progress.toString().contains("1 failed (error, crash) measured again"), progress.toString());
    }

    static String[] keepErrors(String[] args) {
        String[] more = java.util.Arrays.copyOf(args, args.length + 1);
        more[args.length] = "--keep-errors";
        return more;
    }

    @Test
    void badInputIsAUsageError(@TempDir Path tmp) {
        StringWriter err = new StringWriter();
        int rc = Main.execute(new String[] {"run", "--config", tmp.resolve("missing.yaml").toString()},
                new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertEquals(ExitCodes.USAGE, rc);
        assertTrue(err.toString().startsWith("error: config file not found: "), err.toString());
        err = new StringWriter();
        rc = Main.execute(new String[] {"verify", "--model", "resnet51"}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertEquals(ExitCodes.USAGE, rc);
        assertTrue(err.toString().startsWith("error: unknown model 'resnet51'; valid models: resnet18"), err.toString());
        err = new StringWriter();
        rc = Main.execute(new String[] {"measure", "--model", "resnet18", "--segments", "-1"}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
        assertEquals(ExitCodes.USAGE, rc);
        assertEquals("error: segments for resnet18 must be 0 (off) or between 1 and 10 (its checkpointable blocks), got -1", err.toString().strip());
    }
}
