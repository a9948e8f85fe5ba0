package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.bench.CellMeasurer;
import org.medfusion.bench.MatrixConfig;

/** Refusals of {@code run}, {@code list-models} and {@code measure} that happen before anything is measured. */
class RunSafetyTest {

    @Test
    void secondRunOnTheSameOutIsRefusedNamingTheHolder(@TempDir Path tmp) throws Exception {
        Path config = Files.writeString(tmp.resolve("e2e.yaml"), RunCommandTest.CONFIG);
        Path out = Files.createDirectories(tmp.resolve("run"));
        try (RunLock held = RunLock.acquire(out)) {
            CliRun r = CliRun.exec("run", "--config", config.toString(), "--out", out.toString());
            assertEquals(ExitCodes.DATA, r.code());
            assertEquals("error: " + out + " is in use by another run (pid " + ProcessHandle.current().pid()
                    + "); wait for it to finish or choose another --out", r.err().strip());
        }
        assertFalse(Files.exists(out.resolve("cells")), "nothing measured");
    }

    /** SIGTERM ends a run with 130 (as the docs say), here while it waits for JMH's lock that this test holds. */
    @Test
    void sigtermExitsWith130AndLeavesNoCell(@TempDir Path tmp) throws Exception {
        Path config = Files.writeString(tmp.resolve("e2e.yaml"), RunCommandTest.CONFIG);
        Path out = tmp.resolve("run");
        try (FileChannel ch = FileChannel.open(CellMeasurer.jmhLockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = ch.lock()) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "run", "--config", config.toString(), "--out", out.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = err.readLine()) != null && !line.startsWith("waiting for JMH's machine-wide lock")) {
                seen.append(line).append('\n');
            }
            assertTrue(line != null, "the run announces the wait; stderr was:\n" + seen);
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(ExitCodes.INTERRUPTED, p.exitValue());
        }
        assertFalse(Files.exists(out.resolve("cells")), "the interrupted cell leaves nothing");
    }

    @Test
    void outMustBeNewEmptyOrARun(@TempDir Path tmp) throws Exception {
        Path config = Files.writeString(tmp.resolve("e2e.yaml"), RunCommandTest.CONFIG);
        Path unrelated = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(unrelated.resolve("notes.txt"), "mine");
        CliRun r = CliRun.exec("run", "--config", config.toString(), "--out", unrelated.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("error: --out " + unrelated + " is a non-empty directory that holds no run (no manifest.json); give a new or"
                + " empty directory, or an earlier run's directory to resume", r.err().strip());
        try (Stream<Path> s = Files.list(unrelated)) {
            assertEquals(List.of(unrelated.resolve("notes.txt")), s.toList(), "nothing written into it");
        }
    }

    @Test
    void configMustBeAFileOrABuiltInName(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("smoke"));
        CliRun r = CliRun.exec("run", "--config", dir.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("error: --config " + dir + " is a directory; give a YAML matrix file or a built-in name (amp-cpu,"
                + " amp-cpu-vit, ci-tiny, evidence, evidence-memory, parity-cpu, seed-table, seed-table-cpu, smoke, zoo-cpu, zoo-cpu-maxvit)", r.err().strip());
        assertEquals("smoke", RunCommand.loadConfig("smoke").name(), "a bare built-in name is the built-in");
        Path escape = Files.writeString(tmp.resolve("x.yaml"), RunCommandTest.CONFIG.replace("name: e2e", "name: ../../x"));
        r = CliRun.exec("run", "--config", escape.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("error: " + escape + ": name '../../x' must match [A-Za-z0-9._-]+ without '..' (it names the run directory"
                + " under results/)", r.err().strip());
        assertEquals("my_config", MatrixConfig.parse("dir/my config.yaml", RunCommandTest.CONFIG.replace("name: e2e\n", "")).name());
    }

    @Test
    void badPatternIsAUsageErrorBeforeAnyOutput() {
        CliRun r = CliRun.exec("list-models", "--pattern", "[");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("error: --pattern '[' is not a valid glob (* and ? wildcards): "), r.err());
        assertEquals(1, r.err().lines().count());
    }

    @Test
    void measureLeavesNoTemporaryDirectory() throws Exception {
        Path tmpdir = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> before = measureDirs(tmpdir);
        CliRun r = CliRun.exec("measure", "--model", "resnet18", "--batch", "2", "--res", "32", "--device", "gpu");
        assertEquals(ExitCodes.DATA, r.code(), r.err());
        assertTrue(r.out().contains("\"status\":\"unsupported\""), r.out());
        assertEquals(before, measureDirs(tmpdir));
    }

    private static List<Path> measureDirs(Path tmpdir) throws Exception {
        try (Stream<Path> s = Files.list(tmpdir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("medfusion-measure")).sorted().toList();
        }
    }
}
