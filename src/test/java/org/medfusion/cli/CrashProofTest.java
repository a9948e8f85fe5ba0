package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.natives.Fallback;
import org.medfusion.natives.NativePreflight;
import org.medfusion.natives.SimulatedOneDnnCrash;
import org.medfusion.platform.Json;

/**
 * The whole safety net against oneDNN's crash on a strided 1x1 convolution's backward, driven by the shape-keyed
 * {@link SimulatedOneDnnCrash} (it fires where the real crash fires, in every process of the command: probe children,
 * JMH forks, the command itself), so it runs the same on a CPU that crashes for real and on one that does not:
 * <ul>
 *   <li>probe -> fallback -> exact results and ok cells: the preflight probes ResNet-50's own convolutions, catches
 *       the crash and chooses the fallback before anything runs;</li>
 *   <li>fork crash -> re-probe -> fallback -> cell measured again: with the preflight bypassed
 *       ({@code -Dmedfusion.onednn=on}, as when a probe misses a crash), the run's first fork dies in oneDNN.</li>
 * </ul>
 * No hs_err file may appear in the working directory. Each command runs in its own JVM with its own verdict cache.
 */
class CrashProofTest {

    @TempDir
    Path dir;

    private static final Map<String, String> SIMULATED = Map.of(SimulatedOneDnnCrash.ENV, "1");

    private List<String> cache() {
        return List.of("-D" + NativePreflight.DIR_PROPERTY + "=" + dir.resolve("preflight"));
    }

    /** One ResNet-50 cell, as short as a measurement gets (each cell is a few JMH forks). */
    private Path tinyResNet50Matrix(int segments) throws Exception {
        Path yaml = dir.resolve("r50-tiny.yaml");
        Files.writeString(yaml, """
                name: r50-tiny
                device: cpu
                precision: [fp32]
                models: [resnet50]
                batch_sizes: [2]
                resolutions: [32]
                segments: [%d]
                timing: {warmup: 1, iterations: 2, forks: 1}
                memory: {warmup: 1, iterations: 1, forks: 1}
                """.formatted(segments));
        return yaml;
    }

    @Test
    void verifyOfResNet50IsExactUnderTheFallbackTheProbeChose() throws Exception {
        CliProcess.Result r = CliProcess.run(dir, SIMULATED, cache(), "verify", "--model", "resnet50", "--batch", "2", "--res", "32",
                "--segments", "2", "--format", "json");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("\"agrees\":true") || r.output().contains("\"agrees\" : true"), r.output());
        assertNoHsErrIn(dir);
    }

    @Test
    void runProbesTheModelsConvolutionsAndEveryCellIsOkUnderTheFallback() throws Exception {
        Path out = dir.resolve("run");
        CliProcess.Result r = CliProcess.run(dir, SIMULATED, cache(), "run", "--config", tinyResNet50Matrix(2).toString(),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("native fallback: " + Fallback.STRIDED_1X1_SUBSAMPLE.headline()), r.output());
        assertCellsOkUnderTheFallback(out);
        assertNoHsErrIn(dir);
    }

    @Test
    void aForkThatDiesInOneDnnMakesTheRunReprobeAdoptTheFallbackAndMeasureAgain() throws Exception {
        Path out = dir.resolve("run");
        List<String> bypass = new java.util.ArrayList<>(cache());
        bypass.add("-Dmedfusion.onednn=on"); // the preflight is trusted as passed: the crash reaches a JMH fork
        CliProcess.Result r = CliProcess.run(dir, SIMULATED, bypass, "run", "--config", tinyResNet50Matrix(0).toString(),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("crash (SIGFPE"), "the first fork crashed: " + r.output());
        assertTrue(r.output().contains("native fallback adopted after resnet50_b2_r32_s0_fp32_cpu crashed in oneDNN: "
                + Fallback.STRIDED_1X1_SUBSAMPLE.headline()), r.output());
        assertCellsOkUnderTheFallback(out);
        try (Stream<Path> kept = Files.list(out.resolve("jmh"))) {
            assertTrue(kept.anyMatch(f -> f.getFileName().toString().startsWith("hs_err")), "the crash's hs_err is kept in jmh/");
        }
        assertNoHsErrIn(dir);
    }

    private static void assertCellsOkUnderTheFallback(Path run) throws Exception {
        JsonNode manifest = Json.MAPPER.readTree(run.resolve("manifest.json").toFile());
        String fallback = manifest.path("environment").path("native_fallback").asText();
        assertTrue(fallback.startsWith(Fallback.STRIDED_1X1_SUBSAMPLE.headline() + ": "), "manifest: " + fallback);
        List<String> raw = Files.readAllLines(run.resolve("raw.csv"));
        assertEquals(2, raw.size(), "one cell: " + raw);
        for (String line : raw.subList(1, raw.size())) {
            assertTrue(line.contains(",ok,"), "every cell ok: " + line);
        }
        assertTrue(Files.readString(run.resolve("report.md")).contains(Fallback.STRIDED_1X1_SUBSAMPLE.headline()),
                "the report states the fallback");
    }

    private static void assertNoHsErrIn(Path workDir) throws Exception {
        try (Stream<Path> files = Files.list(workDir)) {
            List<Path> hs = files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList();
            assertTrue(hs.isEmpty(), "hs_err files in the working directory: " + hs);
        }
    }
}
