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
 * {@link Merger} compares it between shards. Built with {@link #builder()}; the figures are grouped by what they
 * describe, and the file keeps its flat form ({@link ManifestJson}).
 *
 * @param identity which run of which config, over which cells
 * @param environment the machine and software
 * @param provenance where the run came from: the commit, the command line, the shard
 * @param period when the run started and finished
 * @param load how busy the machine was around the run
 * @param missingShards for a merged run, the shards ({@code k/n}) of the matrix that were not merged: the run is
 *     incomplete and its report says so; empty otherwise (and in manifests written before this field)
 * @param diagnostics the diagnostic knobs the run's forks applied ({@code run --diag}, e.g. {@code recompute-twice=0}):
 *     deliberate regressions, so its figures are not the build's real ones; empty in a real run (and in manifests
 *     written before this field)
 */
public record RunManifest(Identity identity, Environment environment, Provenance provenance, Period period,
        MachineLoad load, List<String> missingShards, List<String> diagnostics) {

    public static final String FILE = "manifest.json";

    public RunManifest {
        identity = identity == null ? new Identity(null, null, null, List.of()) : identity;
        provenance = provenance == null ? new Provenance(null, null, null) : provenance;
        period = period == null ? new Period(null, null) : period;
        load = load == null ? MachineLoad.UNKNOWN : load;
        missingShards = missingShards == null ? List.of() : List.copyOf(missingShards);
        diagnostics = diagnostics == null ? List.of() : List.copyOf(diagnostics);
    }

    /**
     * Which run this is.
     *
     * @param runId the run's identifier (usually the run directory's name)
     * @param configName name of the benchmark config (e.g. {@code smoke})
     * @param configHash {@code sha256:<hex>} of the config file's content ({@link #hash})
     * @param cells every cell this run (or shard) is meant to measure, in {@link CellKey#ORDER}
     */
    public record Identity(String runId, String configName, String configHash, List<CellKey> cells) {
        public Identity {
            cells = cells == null ? List.of() : List.copyOf(cells);
        }
    }

    /**
     * Where the run came from.
     *
     * @param gitCommit {@code git rev-parse HEAD} of the working directory, {@code unknown} outside a repository
     * @param commandLine the exact command that started the run
     * @param shard {@code k/n} when the run is one shard of a matrix, else null
     */
    public record Provenance(String gitCommit, String commandLine, String shard) {
    }

    /**
     * When the run ran.
     *
     * @param startedAt ISO-8601 instant
     * @param finishedAt ISO-8601 instant, null while running (or after a kill)
     */
    public record Period(String startedAt, String finishedAt) {
    }

    /**
     * How busy the machine was: step times measured while other processes compete for the cores are slower and
     * noisier, so the report states it beside them.
     *
     * @param loadAtStart the machine's 1-, 5- and 15-minute load averages ({@code /proc/loadavg}) when the run
     *     started; empty where unknown (other OS, older manifests)
     * @param loadAtEnd the same when the run finished
     * @param cpuTicksAtStart the machine's CPU time so far ({@code /proc/stat}) when the run started; with
     *     {@code cpuTicksAtEnd} it gives the share of the run's CPU time the host took from this virtual machine
     *     ({@link RunManifest#stealPercent()}); null where unknown (other OS, merged runs, older manifests)
     * @param cpuTicksAtEnd the same when the run finished
     */
    public record MachineLoad(List<Double> loadAtStart, List<Double> loadAtEnd, CpuTicks cpuTicksAtStart,
            CpuTicks cpuTicksAtEnd) {

        /** Nothing recorded (tests, merges, older files). */
        public static final MachineLoad UNKNOWN = new MachineLoad(List.of(), List.of(), null, null);

        public MachineLoad {
            loadAtStart = loadAtStart == null ? List.of() : List.copyOf(loadAtStart);
            loadAtEnd = loadAtEnd == null ? List.of() : List.copyOf(loadAtEnd);
        }
    }

    /** A builder with nothing set (lists empty, the machine load unknown). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this manifest's values, to change some of them. */
    public Builder toBuilder() {
        return new Builder().identity(identity).environment(environment).provenance(provenance).period(period).load(load)
                .missingShards(missingShards).diagnostics(diagnostics);
    }

    public String runId() {
        return identity.runId();
    }

    public String configName() {
        return identity.configName();
    }

    public String configHash() {
        return identity.configHash();
    }

    public List<CellKey> cells() {
        return identity.cells();
    }

    public String gitCommit() {
        return provenance.gitCommit();
    }

    public String commandLine() {
        return provenance.commandLine();
    }

    public String shard() {
        return provenance.shard();
    }

    public String startedAt() {
        return period.startedAt();
    }

    public String finishedAt() {
        return period.finishedAt();
    }

    public List<Double> loadAtStart() {
        return load.loadAtStart();
    }

    public List<Double> loadAtEnd() {
        return load.loadAtEnd();
    }

    /**
     * The share (percent) of the machine's CPU time during the run that the host gave to others while this virtual
     * machine's vCPUs were ready to run (steal); null when not recorded. Step times then slow down for reasons no
     * setting of the tool changes.
     */
    public Double stealPercent() {
        return CpuTicks.stealPercent(load.cpuTicksAtStart(), load.cpuTicksAtEnd());
    }

    /**
     * The highest 1-minute load average recorded at the start or end of the run, or null when none was recorded.
     * Above the number of cores, processes waited for a core during the run.
     */
    public Double peakLoad() {
        Double max = null;
        for (List<Double> l : List.of(load.loadAtStart(), load.loadAtEnd())) {
            if (!l.isEmpty() && (max == null || l.get(0) > max)) {
                max = l.get(0);
            }
        }
        return max;
    }

    /** True when the run applied diagnostic knobs ({@link #diagnostics}): its figures are deliberately regressed. */
    public boolean diagnosticsActive() {
        return !diagnostics.isEmpty();
    }

    /** This manifest recording the diagnostic knobs its run applies. */
    public RunManifest withDiagnostics(List<String> knobs) {
        return toBuilder().diagnostics(knobs).build();
    }

    /** This manifest with its forks' libtorch thread count set by the run (null: keep the detected one). */
    public RunManifest withIntraOpThreads(Integer threads) {
        return threads == null ? this : withEnvironment(environment.withIntraOpThreads(threads));
    }

    /** This manifest with another environment (the run re-measures its cells under it). */
    public RunManifest withEnvironment(Environment env) {
        return toBuilder().environment(env).build();
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
        return builder().runId(runId).configName(configName).configHash(hash(configContent)).cells(sorted)
                .environment(environment).gitCommit(Environment.gitCommit()).commandLine(commandLine).shard(shard)
                .startedAt(Instant.now().toString())
                .load(new MachineLoad(LoadAverage.now(), List.of(), CpuTicks.now(), null)).build();
    }

    /** This manifest with {@code finishedAt} set to now, and the machine's load and CPU ticks now. */
    public RunManifest finished() {
        return toBuilder().finishedAt(Instant.now().toString())
                .load(new MachineLoad(load.loadAtStart(), LoadAverage.now(), load.cpuTicksAtStart(), CpuTicks.now())).build();
    }

    /** Builds a {@link RunManifest} field by field; what is not set is null (lists: empty). */
    public static final class Builder {
        private String runId;
        private String configName;
        private String configHash;
        private List<CellKey> cells = List.of();
        private Environment environment;
        private String gitCommit;
        private String commandLine;
        private String shard;
        private String startedAt;
        private String finishedAt;
        private MachineLoad load = MachineLoad.UNKNOWN;
        private List<String> missingShards = List.of();
        private List<String> diagnostics = List.of();

        private Builder() {
        }

        public Builder identity(Identity id) {
            return runId(id.runId()).configName(id.configName()).configHash(id.configHash()).cells(id.cells());
        }

        public Builder runId(String v) {
            runId = v;
            return this;
        }

        public Builder configName(String v) {
            configName = v;
            return this;
        }

        public Builder configHash(String v) {
            configHash = v;
            return this;
        }

        public Builder cells(List<CellKey> v) {
            cells = v;
            return this;
        }

        public Builder environment(Environment v) {
            environment = v;
            return this;
        }

        public Builder provenance(Provenance p) {
            return gitCommit(p.gitCommit()).commandLine(p.commandLine()).shard(p.shard());
        }

        public Builder gitCommit(String v) {
            gitCommit = v;
            return this;
        }

        public Builder commandLine(String v) {
            commandLine = v;
            return this;
        }

        public Builder shard(String v) {
            shard = v;
            return this;
        }

        public Builder period(Period p) {
            return startedAt(p.startedAt()).finishedAt(p.finishedAt());
        }

        public Builder startedAt(String v) {
            startedAt = v;
            return this;
        }

        public Builder finishedAt(String v) {
            finishedAt = v;
            return this;
        }

        public Builder load(MachineLoad v) {
            load = v;
            return this;
        }

        public Builder missingShards(List<String> v) {
            missingShards = v;
            return this;
        }

        public Builder diagnostics(List<String> v) {
            diagnostics = v;
            return this;
        }

        public RunManifest build() {
            return new RunManifest(new Identity(runId, configName, configHash, cells), environment,
                    new Provenance(gitCommit, commandLine, shard), new Period(startedAt, finishedAt), load, missingShards,
                    diagnostics);
        }
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
