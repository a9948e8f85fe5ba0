package org.medfusion.results;

import org.medfusion.platform.LoadAverage;
import org.medfusion.platform.CpuTicks;
import org.medfusion.platform.Json;
import org.medfusion.platform.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code <runDir>/manifest.json}: what was run, where and how. Written atomically at the start of a run
 * (and again at its end with {@code finishedAt}); the report prints it as the environment section, and
 * {@link Merger} compares it between shards.
 *
 * @param runId the run's identifier (usually the run directory's name)
 * @param configName name of the benchmark config (e.g. {@code smoke})
 * @param configHash {@code sha256:<hex>} of the config file's content ({@link #hash})
 * @param cells every cell this run (or shard) is meant to measure, in {@link CellKey#ORDER}
 * @param environment the machine and software
 * @param gitCommit {@code git rev-parse HEAD} of the working directory, {@code unknown} outside a repository
 * @param commandLine the exact command that started the run
 * @param shard {@code k/n} when the run is one shard of a matrix, else null
 * @param startedAt ISO-8601 instant
 * @param finishedAt ISO-8601 instant, null while running (or after a kill)
 * @param missingShards for a merged run, the shards ({@code k/n}) of the matrix that were not merged: the run is
 *     incomplete and its report says so; empty otherwise (and in manifests written before this field)
 * @param diagnostics the diagnostic knobs the run's forks applied ({@code run --diag}, e.g. {@code recompute-twice=0}):
 *     deliberate regressions, so its figures are not the build's real ones; empty in a real run (and in manifests
 *     written before this field)
 * @param loadAtStart the machine's 1-, 5- and 15-minute load averages ({@code /proc/loadavg}) when the run started:
 *     step times measured while other processes compete for the cores are slower and noisier, so the report states
 *     it beside them; empty where unknown (other OS, older manifests)
 * @param loadAtEnd the same when the run finished
 * @param cpuTicksAtStart the machine's CPU time so far, {@code [total, steal]} clock ticks of {@code /proc/stat}, when
 *     the run started; with {@code cpuTicksAtEnd} it gives the share of the run's CPU time the host took from this
 *     virtual machine ({@link #stealPercent()}); empty where unknown (other OS, merged runs, older manifests)
 * @param cpuTicksAtEnd the same when the run finished
 */
public record RunManifest(String runId, String configName, String configHash, List<CellKey> cells,
        Environment environment, String gitCommit, String commandLine, String shard, String startedAt,
        String finishedAt, List<String> missingShards, List<String> diagnostics, List<Double> loadAtStart,
        List<Double> loadAtEnd, List<Long> cpuTicksAtStart, List<Long> cpuTicksAtEnd) {

    public static final String FILE = "manifest.json";

    public RunManifest {
        cells = cells == null ? List.of() : List.copyOf(cells);
        missingShards = missingShards == null ? List.of() : List.copyOf(missingShards);
        diagnostics = diagnostics == null ? List.of() : List.copyOf(diagnostics);
        loadAtStart = loadAtStart == null ? List.of() : List.copyOf(loadAtStart);
        loadAtEnd = loadAtEnd == null ? List.of() : List.copyOf(loadAtEnd);
        cpuTicksAtStart = cpuTicksAtStart == null ? List.of() : List.copyOf(cpuTicksAtStart);
        cpuTicksAtEnd = cpuTicksAtEnd == null ? List.of() : List.copyOf(cpuTicksAtEnd);
    }

    /** A manifest without recorded CPU ticks (tests, older files). */
    public RunManifest(String runId, String configName, String configHash, List<CellKey> cells,
            Environment environment, String gitCommit, String commandLine, String shard, String startedAt,
            String finishedAt, List<String> missingShards, List<String> diagnostics, List<Double> loadAtStart, List<Double> loadAtEnd) {
        this(runId, configName, configHash, cells, environment, gitCommit, commandLine, shard, startedAt, finishedAt,
                missingShards, diagnostics, loadAtStart, loadAtEnd, List.of(), List.of());
    }

    /**
     * The share (percent) of the machine's CPU time during the run that the host gave to others while this virtual
     * machine's vCPUs were ready to run (steal); null when not recorded. Step times then slow down for reasons no
     * setting of the tool changes.
     */
    public Double stealPercent() {
        return CpuTicks.stealPercent(cpuTicksAtStart, cpuTicksAtEnd);
    }

    /** A manifest without recorded machine load (tests, merges, older files). */
    public RunManifest(String runId, String configName, String configHash, List<CellKey> cells,
            Environment environment, String gitCommit, String commandLine, String shard, String startedAt,
            String finishedAt, List<String> missingShards, List<String> diagnostics) {
        this(runId, configName, configHash, cells, environment, gitCommit, commandLine, shard, startedAt, finishedAt,
                missingShards, diagnostics, List.of(), List.of());
    }

    /**
     * The highest 1-minute load average recorded at the start or end of the run, or null when none was recorded.
     * Above the number of cores, processes waited for a core during the run.
     */
    public Double peakLoad() {
        Double max = null;
        for (List<Double> l : List.of(loadAtStart, loadAtEnd)) {
            if (!l.isEmpty() && (max == null || l.get(0) > max)) {
                max = l.get(0);
            }
        }
        return max;
    }

    /** A manifest of a real run (no diagnostic knobs). */
    public RunManifest(String runId, String configName, String configHash, List<CellKey> cells,
            Environment environment, String gitCommit, String commandLine, String shard, String startedAt,
            String finishedAt, List<String> missingShards) {
        this(runId, configName, configHash, cells, environment, gitCommit, commandLine, shard, startedAt, finishedAt,
                missingShards, List.of());
    }

    /** True when the run applied diagnostic knobs ({@link #diagnostics}): its figures are deliberately regressed. */
    public boolean diagnosticsActive() {
        return !diagnostics.isEmpty();
    }

    /** This manifest recording the diagnostic knobs its run applies. */
    public RunManifest withDiagnostics(List<String> knobs) {
        return new RunManifest(runId, configName, configHash, cells, environment, gitCommit, commandLine, shard,
                startedAt, finishedAt, missingShards, knobs, loadAtStart, loadAtEnd, cpuTicksAtStart, cpuTicksAtEnd);
    }

    /** This manifest with its forks' libtorch thread count set by the run (null: keep the detected one). */
    public RunManifest withIntraOpThreads(Integer threads) {
        if (threads == null) {
            return this;
        }
        return new RunManifest(runId, configName, configHash, cells, environment.withIntraOpThreads(threads), gitCommit, commandLine,
                shard, startedAt, finishedAt, missingShards, diagnostics, loadAtStart, loadAtEnd, cpuTicksAtStart, cpuTicksAtEnd);
    }

    /** This manifest with another environment (the run re-measures its cells under it). */
    public RunManifest withEnvironment(Environment env) {
        return new RunManifest(runId, configName, configHash, cells, env, gitCommit, commandLine, shard, startedAt, finishedAt,
                missingShards, diagnostics, loadAtStart, loadAtEnd, cpuTicksAtStart, cpuTicksAtEnd);
    }

    /** A manifest with no missing shards (every run except an incomplete merge). */
    public RunManifest(String runId, String configName, String configHash, List<CellKey> cells,
            Environment environment, String gitCommit, String commandLine, String shard, String startedAt,
            String finishedAt) {
        this(runId, configName, configHash, cells, environment, gitCommit, commandLine, shard, startedAt, finishedAt,
                List.of(), List.of());
    }

    /** True when this merged run lacks shards of its matrix ({@link #missingShards}). */
    public boolean incomplete() {
        return !missingShards.isEmpty();
    }

    /**
     * A new manifest for a run starting now, with the environment detected on this machine
     * ({@link Environment#detect()}) and the git commit of the working directory.
     */
    public static RunManifest start(String runId, String configName, String configContent, List<CellKey> cells,
            String commandLine, String shard) {
        return start(runId, configName, configContent, cells, commandLine, shard, Environment.detect());
    }

    /** As {@link #start(String, String, String, List, String, String)} with a given environment. */
    public static RunManifest start(String runId, String configName, String configContent, List<CellKey> cells,
            String commandLine, String shard, Environment environment) {
        List<CellKey> sorted = cells.stream().sorted(CellKey.ORDER).toList();
        return new RunManifest(runId, configName, hash(configContent), sorted, environment, Environment.gitCommit(),
                commandLine, shard, Instant.now().toString(), null, List.of(), List.of(), LoadAverage.now(), List.of(), CpuTicks.now(), List.of());
    }

    /** This manifest with {@code finishedAt} set to now. */
    public RunManifest finished() {
        return new RunManifest(runId, configName, configHash, cells, environment, gitCommit, commandLine, shard,
                startedAt, Instant.now().toString(), missingShards, diagnostics, loadAtStart, LoadAverage.now(), cpuTicksAtStart,
                CpuTicks.now());
    }

    /** {@code sha256:<hex>} of the UTF-8 content. */
    public static String hash(String content) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path file(Path runDir) {
        return runDir.resolve(FILE);
    }

    /** Writes {@code <runDir>/manifest.json} atomically. */
    public Path write(Path runDir) {
        try {
            return AtomicFiles.writeString(file(runDir), Json.MAPPER.writeValueAsString(this) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize manifest: " + e.getMessage(), e);
        }
    }

    /** Reads {@code <runDir>/manifest.json}; one-line {@link ReportDataException} naming the file otherwise. */
    public static RunManifest read(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            throw new ReportDataException("run directory " + runDir + " does not exist");
        }
        Path f = file(runDir);
        RunManifest m;
        try {
            m = Json.MAPPER.readValue(Files.readString(f), RunManifest.class);
        } catch (NoSuchFileException e) {
            throw new ReportDataException("missing manifest " + f);
        } catch (IOException e) {
            throw new ReportDataException("corrupt manifest " + f + ": " + Json.oneLine(e), e);
        }
        if (m == null || m.environment() == null) {
            throw new ReportDataException("corrupt manifest " + f + ": no environment");
        }
        return m;
    }

    /** True when {@code <runDir>/manifest.json} exists. */
    public static boolean exists(Path runDir) {
        return Files.isRegularFile(file(runDir));
    }
}
