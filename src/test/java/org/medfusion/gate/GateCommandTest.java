package org.medfusion.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.cli.CliRun;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStore;
import org.medfusion.results.Environment;
import org.medfusion.results.Merger;
import org.medfusion.results.RunManifest;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The gate, baseline and data checks through the CLI: exit codes, one-line errors, JUnit XML, Markdown. */
class GateCommandTest {

    @TempDir
    Path tmp;

    static Environment env(String cpu) {
        return new Environment(cpu, 2, null, "none", "none", "none", "jvm", "os", "0.36.0", "2.7.1");
    }

    static Path runDir(Path dir, String config, Environment env, String startedAt, String shard,
            List<CellResult> cells) {
        cells.forEach(c -> CellStore.save(dir, c));
        RunManifest.builder().runId(dir.getFileName().toString()).configName("ci-tiny").configHash(RunManifest.hash(config))
                .cells(cells.stream().map(CellResult::key).toList()).environment(env).gitCommit("unknown").commandLine("run")
                .shard(shard).startedAt(startedAt).build().write(dir);
        return dir;
    }

    static List<CellResult> cells(long seed, double ckptSlowdown, double peakGrowth) {
        return RegressionGateTest.run(seed, 1, ckptSlowdown, peakGrowth);
    }

    @Test
    void passAndFailWithJunitMarkdownAndJson() throws Exception {
        Path base = runDir(tmp.resolve("base"), "cfg", env("cpu a"), "2026-11-27T06:00:00Z", null, cells(1, 1, 1));
        Path same = runDir(tmp.resolve("same"), "cfg", env("cpu a"), "2026-11-27T07:00:00Z", null, cells(1, 1, 1));
        CliRun pass = CliRun.exec("gate", base.toString(), same.toString());
        assertEquals(0, pass.code(), pass.err());
        assertTrue(pass.out().contains("2 cells compared") && pass.out().contains("PASS"), pass.out());

        Path worse = runDir(tmp.resolve("worse"), "cfg", env("cpu a"), "2026-11-27T08:00:00Z", null, cells(1, 1, 1.05));
        Path junit = tmp.resolve("gate.xml");
        Path md = tmp.resolve("gate.md");
        CliRun fail = CliRun.exec("gate", base.toString(), worse.toString(), "--junit", junit.toString(), "--markdown", md.toString());
        assertEquals(1, fail.code(), fail.err());
        assertTrue(fail.out().contains("REGRESSION FAIL memory-peak resnet50_b16_r112_s4_fp32_cpu"), fail.out());

        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(junit.toFile());
        Element suite = (Element) d.getDocumentElement().getElementsByTagName("testsuite").item(0);
        NodeList cases = suite.getElementsByTagName("testcase");
        assertEquals(Integer.parseInt(suite.getAttribute("tests")), cases.getLength());
        assertEquals("2", suite.getAttribute("failures"), "the peak grew 5% and so the saving shrank 3.5 points");
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            assertTrue(c.getAttribute("classname").startsWith("gate.resnet50_b16_r112_s"), c.getAttribute("classname"));
            if (c.getElementsByTagName("failure").getLength() > 0) {
                failed.add(c.getAttribute("classname") + "/" + c.getAttribute("name"));
            }
        }
        assertEquals(List.of("gate.resnet50_b16_r112_s4_fp32_cpu/memory-peak",
                "gate.resnet50_b16_r112_s4_fp32_cpu/memory-saving"), failed);

        String m = Files.readString(md);
        assertTrue(m.startsWith("### Regression gate: FAIL\n"), m);
        assertTrue(m.contains("| cell | check | baseline | candidate | change | verdict | why |"), m);
        String firstRow = m.lines().filter(l -> l.startsWith("| resnet50")).findFirst().orElseThrow();
        assertTrue(firstRow.contains("| memory-peak |") && firstRow.contains("| +5.0% | **fail** |"), firstRow);

        CliRun json = CliRun.exec("gate", base.toString(), worse.toString(), "--format", "json");
        var tree = org.medfusion.platform.Json.MAPPER.readTree(json.out());
        assertEquals(false, tree.get("passed").asBoolean());
        assertEquals(2, tree.get("compared").asInt());
    }

    @Test
    void refusalsAndUsageErrors() throws Exception {
        Path base = runDir(tmp.resolve("base"), "cfg", env("cpu a"), "2026-11-27T06:00:00Z", null, cells(1, 1, 1));
        Path other = runDir(tmp.resolve("other"), "other cfg", env("cpu a"), "2026-11-27T06:00:00Z", null, cells(1, 1, 1));
        CliRun r = CliRun.exec("gate", base.toString(), other.toString());
        assertEquals(3, r.code());
        assertTrue(r.err().startsWith("error: the runs used different configs"), r.err());
        assertEquals(0, CliRun.exec("gate", base.toString(), other.toString(), "--allow-config-change").code());

        Path errors = runDir(tmp.resolve("errors"), "cfg", env("cpu a"), "2026-11-27T06:00:00Z", null,
                List.of(CellResult.failed(RegressionGateTest.key(0), "resnet", org.medfusion.results.CellStatus.ERROR, "x")));
        r = CliRun.exec("gate", errors.toString(), base.toString());
        assertEquals(3, r.code());
        assertTrue(r.err().contains("0 cells compared is not a pass"), r.err());

        r = CliRun.exec("gate", base.toString(), base.toString(), "--memory-tolerance", "NaN");
        assertEquals(2, r.code());
        assertEquals("error: --memory-tolerance must be a finite number of percent >= 0, got NaN\n", r.err());
        assertEquals(2, CliRun.exec("gate", base.toString(), base.toString(), "--ratio-effect", "-1").code());
        r = CliRun.exec("gate", base.toString(), base.toString(), "--memory-floor", "-1MiB");
        assertEquals(2, r.code());
        assertEquals("error: --memory-floor must be bytes or a size such as 150MiB, 1.5GiB or 200MB, got '-1MiB'\n", r.err());
    }

    @Test
    void badStoredFiguresAreDataErrorsInGateReportAndMerge() throws Exception {
        Path good = runDir(tmp.resolve("good"), "cfg", env("cpu a"), "2026-11-27T06:00:00Z", "1/2", cells(1, 1, 1));
        Path bad = runDir(tmp.resolve("bad"), "cfg", env("cpu a"), "2026-11-27T06:00:00Z", "2/2", cells(2, 1, 1));
        Path file = CellStore.cellFile(bad, RegressionGateTest.key(4));
        String json = Files.readString(file);
        assertTrue(json.matches("(?s).*\"step_ms_median\" : [0-9.E]+.*") && json.matches("(?s).*\"peak_bytes\" : [0-9]+.*"), json);
        Files.writeString(file, json.replaceFirst("\"step_ms_median\" : [0-9.E]+", "\"step_ms_median\" : \"NaN\""));
        for (String[] args : List.of(new String[] {"gate", good.toString(), bad.toString()},
                new String[] {"report", bad.toString()},
                new String[] {"merge", "--out", tmp.resolve("m").toString(), good.toString(), bad.toString()})) {
            CliRun r = CliRun.exec(args);
            assertEquals(3, r.code(), args[0] + ": " + r.err());
            assertTrue(r.err().contains("bad data in " + file) && r.err().contains("step_ms_median = NaN"),
                    args[0] + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
        Files.writeString(file, json.replaceFirst("\"peak_bytes\" : [0-9]+", "\"peak_bytes\" : -5"));
        CliRun r = CliRun.exec("report", bad.toString());
        assertEquals(3, r.code());
        assertTrue(r.err().contains("peak_bytes = -5 (must be >= 0)"), r.err());
    }

    @Test
    void incompleteMergeIsMarkedAndReported() throws Exception {
        Path s1 = runDir(tmp.resolve("s1"), "cfg", env("cpu a"), "2026-11-27T06:00:00Z", "1/3", cells(1, 1, 1));
        Path out = tmp.resolve("merged");
        RunManifest m = Merger.merge(List.of(s1), out);
        assertEquals(List.of("2/3", "3/3"), m.missingShards());
        assertEquals(List.of("2/3", "3/3"), RunManifest.read(out).missingShards());
        CliRun r = CliRun.exec("report", out.toString());
        assertEquals(0, r.code(), r.err());
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("**Incomplete merge:** shards 2/3, 3/3 of the matrix were not merged"), report);
        assertTrue(Files.readString(out.resolve("report.html")).contains("shards 2/3, 3/3 of the matrix were not merged"));
        Path whole = runDir(tmp.resolve("whole"), "cfg", env("cpu a"), "2026-11-27T06:00:00Z", null, cells(1, 1, 1));
        assertTrue(Merger.merge(List.of(whole), tmp.resolve("m2")).missingShards().isEmpty());
    }

    @Test
    void baselineSaveAndSelectionByEnvironment() throws Exception {
        Path root = tmp.resolve("baselines");
        Path oldA = runDir(tmp.resolve("oldA"), "cfg", env("AMD EPYC 9R14 (TM)"), "2026-11-27T06:00:00Z", null,
                cells(1, 1, 1));
        Path newA = runDir(tmp.resolve("newA"), "cfg", env("AMD EPYC 9R14 (TM)"), "2026-11-27T09:00:00Z", null,
                cells(2, 1, 1.10));
        Path b = runDir(tmp.resolve("b"), "cfg", env("Intel Xeon"), "2026-11-27T10:00:00Z", null, cells(3, 1, 1.10));
        CliRun s = CliRun.exec("baseline", "save", oldA.toString(), "--name", "old", "--baselines", root.toString());
        assertEquals(0, s.code(), s.err());
        Path keyDir = root.resolve("amd-epyc-9r14__none__torch-2.7.1");
        assertEquals(keyDir.resolve("old").toString(), s.out().trim());
        assertTrue(Files.isRegularFile(keyDir.resolve("old/manifest.json")));
        assertEquals(0, CliRun.exec("baseline", "save", newA.toString(), "--baselines", root.toString()).code());
        assertTrue(Files.isDirectory(keyDir.resolve("ci-tiny-20261127-090000")), String.valueOf(Files.list(keyDir)
                .toList()));
        assertEquals(0, CliRun.exec("baseline", "save", b.toString(), "--name", "xeon", "--baselines", root.toString()).code());
        assertEquals(3, CliRun.exec("baseline", "save", oldA.toString(), "--name", "old", "--baselines", root.toString()).code(),
                "an existing baseline is never overwritten");
        assertEquals(2, CliRun.exec("baseline", "save", oldA.toString(), "--name", "../x", "--baselines", root.toString()).code());

        // a candidate on the AMD machine with the new peaks: the newest AMD baseline (newA) passes it, the old fails
        Path cand = runDir(tmp.resolve("cand"), "cfg", env("AMD EPYC 9R14 (TM)"), "2026-11-27T11:00:00Z", null,
                cells(4, 1, 1.10));
        CliRun g = CliRun.exec("gate", cand.toString(), "--baselines", root.toString());
        assertEquals(0, g.code(), g.out() + g.err());
        assertTrue(g.err().contains("gate: baseline " + keyDir.resolve("ci-tiny-20261127-090000")), g.err());
        assertEquals(1, CliRun.exec("gate", "--baseline", keyDir.resolve("old").toString(), cand.toString()).code());

        // crossing environments is explicit and gates ratios and memory only
        CliRun cross = CliRun.exec("gate", "--baseline", root.resolve("intel-xeon__none__torch-2.7.1/xeon").toString(),
                cand.toString(), "--format", "json");
        assertEquals(0, cross.code(), cross.err());
        assertTrue(cross.err().contains("environments differ"), cross.err());
        var tree = org.medfusion.platform.Json.MAPPER.readTree(cross.out());
        assertEquals(false, tree.get("environmentsMatch").asBoolean());

        Path lonely = runDir(tmp.resolve("lonely"), "cfg", env("Other CPU"), "2026-11-27T11:00:00Z", null,
                cells(4, 1, 1));
        CliRun none = CliRun.exec("gate", lonely.toString(), "--baselines", root.toString());
        assertEquals(3, none.code());
        assertTrue(none.err().startsWith("error: no baseline of environment other-cpu__none__torch-2.7.1"), none.err());
    }
}
