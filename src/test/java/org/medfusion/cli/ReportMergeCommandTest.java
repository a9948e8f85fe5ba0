package org.medfusion.cli;

import org.medfusion.results.MemoryMethod;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.CellStore;
import org.medfusion.results.Environment;
import org.medfusion.results.RawCsv;
import org.medfusion.results.RunManifest;
import picocli.CommandLine;

class ReportMergeCommandTest {

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result run(Callable<Integer> cmd, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.withHandlers(new CommandLine(cmd));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static CellResult cell(String model, int s, long peak, double ms) {
        return CellResult.builder(new CellKey(model, 2, 64, s, Precision.FP32, Device.CPU), "resnet", CellStatus.OK)
                .peak(peak, MemoryMethod.CPU_RSS_PEAK).memoryRepeats(List.of(peak))
                .stepMsSamples(List.of(ms, ms + 1, ms + 2, ms + 3, ms + 4, ms + 5, ms + 6)).stepMs(ms + 3, ms, ms + 6)
                .recomputeForwardMs(s == 0 ? null : 10.0).build();
    }

    static Path runDir(Path dir, String configContent, List<CellResult> cells) {
        cells.forEach(c -> CellStore.save(dir, c));
        RunManifest.builder().runId(dir.getFileName().toString()).configName("smoke").configHash(RunManifest.hash(configContent))
                .cells(cells.stream().map(CellResult::key).toList())
                .environment(new Environment("cpu", 2, null, "none", "none", "none", "jvm", "os", "0.36.0", "2.7.1"))
                .gitCommit("unknown").commandLine("java -jar benchmarks.jar run --config smoke.yaml")
                .startedAt("2026-11-27T06:00:00Z").build().write(dir);
        return dir;
    }

    @Test
    void reportRendersAndPrintsPaths() {
        Path d = runDir(tmp.resolve("r"), "x", List.of(cell("resnet18", 0, 100L << 20, 50), cell("resnet18", 4, 60L << 20, 60)));
        Result r = run(new ReportCommand(), d.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(lines.size() - 1).endsWith("report.html"), r.out());
        assertTrue(r.out().contains("-40.0%"), r.out());
        assertTrue(r.out().contains("+18.9%"), r.out());
    }

    @Test
    void reportErrors() throws Exception {
        Result missing = run(new ReportCommand(), tmp.resolve("nope").toString());
        assertEquals(ExitCodes.DATA, missing.code());
        assertEquals("error: run directory " + tmp.resolve("nope") + " does not exist\n", missing.err());

        assertEquals(ExitCodes.USAGE, run(new ReportCommand()).code());
        assertEquals(ExitCodes.USAGE, run(new ReportCommand(), "--bogus", "x").code());
        assertEquals(ExitCodes.OK, run(new ReportCommand(), "--help").code());

        Path bad = Files.createDirectories(tmp.resolve("bad"));
        List<String> row = new java.util.ArrayList<>(List.of("resnet18", "resnet", "2", "64", "0", "uniform", "1", "fp32", "cpu", "ok", "",
                "12x", "cpu.rss.peak"));
        while (row.size() < RawCsv.COLUMNS.size()) { // the rest empty, however many columns raw.csv has
            row.add("");
        }
        Files.writeString(bad.resolve("raw.csv"), String.join(",", RawCsv.COLUMNS) + "\n" + String.join(",", row) + "\n");
        Result corrupt = run(new ReportCommand(), bad.toString());
        assertEquals(ExitCodes.DATA, corrupt.code());
        assertEquals("error: " + bad.resolve("raw.csv") + " line 2, column peak_bytes: not an integer: '12x'\n",
                corrupt.err());

        Path badCell = runDir(tmp.resolve("badcell"), "x", List.of(cell("resnet18", 0, 1, 1)));
        Files.writeString(CellStore.cellFile(badCell, cell("resnet18", 0, 1, 1).key()), "{");
        Result c2 = run(new ReportCommand(), badCell.toString());
        assertEquals(ExitCodes.DATA, c2.code());
        assertTrue(c2.err().startsWith("error: corrupt cell file "), c2.err());
        assertEquals(1, c2.err().lines().count());
    }

    @Test
    void mergeThenReport() {
        Path a = runDir(tmp.resolve("a"), "cfg", List.of(cell("resnet18", 0, 100, 50), cell("resnet18", 4, 60, 60)));
        Path b = runDir(tmp.resolve("b"), "cfg", List.of(cell("resnet34", 0, 200, 80), cell("resnet34", 4, 120, 90)));
        Path out = tmp.resolve("merged");
        Result r = run(new MergeCommand(), "--out", out.toString(), a.toString(), b.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(out.toString(), r.out().lines().reduce((x, y) -> y).orElse(""));
        assertEquals(4, CellStore.load(out).size());
        assertEquals(0, run(new ReportCommand(), out.toString()).code());

        Path c = runDir(tmp.resolve("c"), "other cfg", List.of(cell("resnet50", 0, 1, 1)));
        Result refused = run(new MergeCommand(), "--out", tmp.resolve("m2").toString(), a.toString(), c.toString());
        assertEquals(ExitCodes.DATA, refused.code());
        assertTrue(refused.err().startsWith("error: cannot merge: configHash differs between "), refused.err());

        assertEquals(ExitCodes.USAGE, run(new MergeCommand(), a.toString()).code(), "--out is required");
    }
}
