package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.bench.MatrixConfig;

/** Refusals of {@code run}, {@code list-models} and {@code measure} that happen before anything is measured. */
class RunSafetyTest {

    record Result(int code, String out, String err) {
    }

    static Result exec(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void secondRunOnTheSameOutIsRefusedNamingTheHolder(@TempDir Path tmp) throws Exception {
        Path config = Files.writeString(tmp.resolve("e2e.yaml"), RunCommandTest.CONFIG);
        Path out = Files.createDirectories(tmp.resolve("run"));
        try (RunLock held = RunLock.acquire(out)) {
            Result r = exec("run", "--config", config.toString(), "--out", out.toString());
            assertEquals(ExitCodes.DATA, r.code());
            assertEquals("error: " + out + " is in use by another run (pid " + ProcessHandle.current().pid()
                    + "); wait for it to finish or choose another --out", r.err().strip());
        }
        assertFalse(Files.exists(out.resolve("cells")), "nothing measured");
    }

    @Test
    void outMustBeNewEmptyOrARun(@TempDir Path tmp) throws Exception {
        Path config = Files.writeString(tmp.resolve("e2e.yaml"), RunCommandTest.CONFIG);
        Path unrelated = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(unrelated.resolve("notes.txt"), "mine");
        Result r = exec("run", "--config", config.toString(), "--out", unrelated.toString());
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
        Result r = exec("run", "--config", dir.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("error: --config " + dir + " is a directory; give a YAML matrix file or a built-in name (smoke, seed-table,"
                + " zoo-cpu, zoo-cpu-maxvit)", r.err().strip());
        assertEquals("smoke", RunCommand.loadConfig("smoke").name(), "a bare built-in name is the built-in");
        Path escape = Files.writeString(tmp.resolve("x.yaml"), RunCommandTest.CONFIG.replace("name: e2e", "name: ../../x"));
        r = exec("run", "--config", escape.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("error: " + escape + ": name '../../x' must match [A-Za-z0-9._-]+ without '..' (it names the run directory"
                + " under results/)", r.err().strip());
        assertEquals("my_config", MatrixConfig.parse("dir/my config.yaml", RunCommandTest.CONFIG.replace("name: e2e\n", "")).name());
    }

    @Test
    void badPatternIsAUsageErrorBeforeAnyOutput() {
        Result r = exec("list-models", "--pattern", "[");
        assertEquals(ExitCodes.USAGE, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("error: --pattern '[' is not a valid glob (* and ? wildcards): "), r.err());
        assertEquals(1, r.err().lines().count());
    }

    @Test
    void measureLeavesNoTemporaryDirectory() throws Exception {
        Path tmpdir = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> before = measureDirs(tmpdir);
        Result r = exec("measure", "--model", "resnet18", "--batch", "2", "--res", "32", "--precision", "amp");
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
