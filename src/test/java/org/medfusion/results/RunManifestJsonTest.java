package org.medfusion.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.platform.CpuTicks;
import org.medfusion.platform.Json;

/** The manifest on disk stays flat, field for field, though the record groups its figures. */
class RunManifestJsonTest {

    private static final String ENV = """
              "environment" : {
                "cpu_model" : "Test CPU @ 2.0GHz",
                "cores" : 16,
                "memory_bytes" : 137438953472,
                "gpu_name" : "NVIDIA H100 80GB HBM3",
                "gpu_driver" : "550.54",
                "cuda_version" : "12.4",
                "jvm" : "Eclipse Adoptium 17.0.15+6 (OpenJDK 64-Bit Server VM)",
                "os" : "Linux 6.1 amd64",
                "djl_version" : "0.36.0",
                "libtorch_version" : "2.7.1",
                "native_fallback" : "none",
                "intra_op_threads" : null
              },
            """;

    private static final String CELLS = """
              "cells" : [ {
                "model" : "resnet50",
                "batch" : 2,
                "res" : 64,
                "segments" : 0,
                "split" : "uniform",
                "precision" : "fp32",
                "device" : "cpu",
                "accumulation" : 1
              } ],
            """;

    private static RunManifest.Builder base() {
        return RunManifest.builder().runId("run-1").configName("smoke").configHash("sha256:00")
                .cells(List.of(new CellKey("resnet50", 2, 64, 0, Precision.FP32, Device.CPU))).environment(Fixtures.env())
                .gitCommit("abc").commandLine("java -jar benchmarks.jar run").startedAt("2026-11-27T06:00:00Z");
    }

    @Test
    void writesEveryFieldFlatInItsOrder(@TempDir Path dir) throws IOException {
        RunManifest full = base().shard("1/2").finishedAt("2026-11-27T06:30:00Z").missingShards(List.of("2/2"))
                .diagnostics(List.of("recompute-twice=0"))
                .load(new RunManifest.MachineLoad(List.of(1.5, 1.25, 1.0), List.of(2.0, 1.5, 1.0), new CpuTicks(1000L, 10L),
                        new CpuTicks(2000L, 30L))).build();
        full.write(dir);
        assertEquals("""
                {
                  "run_id" : "run-1",
                  "config_name" : "smoke",
                  "config_hash" : "sha256:00",
                """ + CELLS + ENV + """
                  "git_commit" : "abc",
                  "command_line" : "java -jar benchmarks.jar run",
                  "shard" : "1/2",
                  "started_at" : "2026-11-27T06:00:00Z",
                  "finished_at" : "2026-11-27T06:30:00Z",
                  "missing_shards" : [ "2/2" ],
                  "diagnostics" : [ "recompute-twice=0" ],
                  "load_at_start" : [ 1.5, 1.25, 1.0 ],
                  "load_at_end" : [ 2.0, 1.5, 1.0 ],
                  "cpu_ticks_at_start" : [ 1000, 10 ],
                  "cpu_ticks_at_end" : [ 2000, 30 ]
                }
                """, Files.readString(RunManifest.file(dir)));
        assertEquals(full, RunManifest.read(dir));
        assertEquals(2.0, RunManifest.read(dir).stealPercent(), 1e-9);
    }

    @Test
    void writesWhatIsMissingAsNullOrEmpty(@TempDir Path dir) throws IOException {
        RunManifest running = base().build();
        running.write(dir);
        assertEquals("""
                {
                  "run_id" : "run-1",
                  "config_name" : "smoke",
                  "config_hash" : "sha256:00",
                """ + CELLS + ENV + """
                  "git_commit" : "abc",
                  "command_line" : "java -jar benchmarks.jar run",
                  "shard" : null,
                  "started_at" : "2026-11-27T06:00:00Z",
                  "finished_at" : null,
                  "missing_shards" : [ ],
                  "diagnostics" : [ ],
                  "load_at_start" : [ ],
                  "load_at_end" : [ ],
                  "cpu_ticks_at_start" : [ ],
                  "cpu_ticks_at_end" : [ ]
                }
                """, Files.readString(RunManifest.file(dir)));
        assertEquals(running, RunManifest.read(dir));
    }

    @Test
    void everyCommittedManifestReadsAndWritesBackTheSameFigures(@TempDir Path tmp) throws IOException {
        List<Path> runs;
        try (Stream<Path> s = Files.walk(Path.of("results"))) {
            runs = s.filter(p -> p.getFileName().toString().equals(RunManifest.FILE)).map(Path::getParent).toList();
        }
        assertFalse(runs.isEmpty(), "no committed manifest under results/");
        for (Path run : runs) {
            RunManifest m = RunManifest.read(run);
            Path copy = Files.createDirectories(tmp.resolve(String.valueOf(run.hashCode())));
            m.write(copy);
            assertEquals(m, RunManifest.read(copy), run.toString());
            assertEquals(16, Json.MAPPER.readTree(Files.readString(RunManifest.file(copy))).size(), run.toString());
        }
    }
}
