package org.medfusion.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import org.medfusion.backbones.ConvShapes;
import org.medfusion.planner.PeakPrediction;
import org.medfusion.platform.HsErrReport;
import org.medfusion.results.PredictedPeaks;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Environment;
import org.medfusion.bench.CellMeasurer;
import org.medfusion.bench.MatrixConfig;
import org.medfusion.checkpoint.Diagnostics;
import org.medfusion.natives.Natives;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStore;
import org.medfusion.report.Reporter;
import org.medfusion.results.RunManifest;
import org.medfusion.results.Shards;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code run}: measures every cell of a matrix config (or this shard of it), writing each finished
 * cell at once (atomically) under {@code <out>/cells/}, then renders the tables, charts and report.
 * Re-running into the same directory resumes: finished cells are not measured again, failed ones (error, crash)
 * are, unless {@code --keep-errors}. One run at a time per directory ({@link RunLock}); JMH's machine-wide lock
 * held by another process is waited for ({@code --lock-timeout}). The closing lines count the cells of each
 * status and say why the failed ones failed; the run directory is the last line printed. Exit code: see
 * {@link RunOutcome} (0 only when every cell is ok or oom, 4 when any failed, 3 when the environment could not
 * measure a cell); 2 for a bad config or --out, 3 when the directory is in use.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs a benchmark matrix (bench-configs/*.yaml) and renders its report.")
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", defaultValue = "smoke",
            description = "A YAML matrix file, or the name of a built-in one (amp-cpu, amp-cpu-vit, ci-tiny, evidence,"
                    + " evidence-memory, parity-cpu, seed-table, seed-table-cpu, smoke, zoo-cpu, zoo-cpu-maxvit);"
                    + " a built-in name wins over a same-named file unless given as a path (./smoke); default: ${DEFAULT-VALUE}.")
    String config;

    @Option(names = "--out", description = "Run directory (default: results/<config>-<timestamp>); an existing run resumes;"
            + " a non-empty directory without a run is refused.")
    Path out;

    @Option(names = "--shard", description = "Measure only shard k of n (k/n, 1-based) for parallel runs, or auto (from Slurm array, Kubernetes"
                    + " Indexed Job or MEDFUSION_SHARD=k/n); combine with merge.")
    String shard;

    @Option(names = "--keep-errors", description = "On resume, keep cells that failed (error, crash) instead of measuring them again.")
    boolean keepErrors;

    @Mixin
    LockTimeoutOption lockTimeout;

    @Option(names = "--diag", paramLabel = "<knob>=<segment>",
            description = "Diagnostic knob applied to every fork (repeatable): recompute-twice=<k>[,<k>...] (recompute segment k's"
                    + " forward twice: extra time) or keep-alive=<k> (keep segment k's recomputed activations until the step"
                    + " ends: extra peak memory). Results stay exact; the manifest and report record the knob. For proving"
                    + " the regression gate (README, Evidence), never for real measurements.")
    List<String> diag = new ArrayList<>();

    @Mixin
    ReferenceOption reference;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        lockTimeout.value(); // a bad value is a usage error before anything runs
        Diagnostics diagnostics = Diagnostics.parse(diag);
        MatrixConfig loaded = loadConfig(config);
        MatrixConfig matrix = reference.framework().map(loaded::withReference).orElse(loaded);
        Shards.Shard selected = shard == null ? null : Shards.resolve(shard, System.getenv());
        List<CellKey> cells = selected == null ? matrix.cells() : Shards.select(matrix.cells(), selected);
        checkDiagnostics(diagnostics, matrix);
        if (out != null) {
            checkOut(out);
        }
        Natives.Decision natives = NativesMissingException.ensureCovered(modelsOf(cells)); // before any fork runs a convolution
        // a config's weights: each file loaded once here (all or nothing), so a bad one is one line and exit 3, not a failed cell per fork
        matrix.weights().forEach((model, file) -> WeightsOption.check(model, matrix.resolutionsOf(model).get(0), file));
        String runId = out != null ? out.getFileName().toString()
                : matrix.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                        + (selected == null ? "" : "-shard" + selected.k() + "of" + selected.n());
        Path runDir = out != null ? out : resultsDir(runId);
        Files.createDirectories(runDir);
        try (RunLock lock = RunLock.acquire(runDir)) {
            spec.commandLine().getErr().println(natives.consoleLine()); // the native fallback, if any, stated once per run
            return measure(matrix, selected, cells, runId, runDir, diagnostics);
        }
    }

    private int measure(MatrixConfig matrix, Shards.Shard selected, List<CellKey> cells, String runId, Path runDir,
            Diagnostics diagnostics) {
        String command = "java -jar benchmarks.jar " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        RunManifest manifest = RunManifest.start(runId, matrix.name(), matrix.source(), cells, command,
                selected == null ? null : selected.toString()).withDiagnostics(diagnostics.labels())
                .withIntraOpThreads(matrix.settings().threads());
        boolean remeasureAll = false;
        if (RunManifest.exists(runDir)) {
            RunManifest previous = RunManifest.read(runDir);
            if (!previous.configHash().equals(manifest.configHash())) {
                throw new org.medfusion.results.ReportDataException(runDir + " holds a run of a different config (" + previous.configName()
                        + "); choose another --out");
            }
            if (!previous.diagnostics().equals(manifest.diagnostics())) {
                throw new org.medfusion.results.ReportDataException(runDir + " holds a run with diagnostic knobs "
                        + previous.diagnostics() + ", this one has " + manifest.diagnostics() + "; choose another --out");
            }
            String changed = environmentChange(previous.environment(), manifest.environment());
            if (changed != null) {
                // one run, one environment: figures of two fallbacks or thread counts are never mixed in one table
                spec.commandLine().getErr().println("resuming " + runDir + " in another environment (" + changed
                        + "): every cell is measured again under this one");
                manifest = previous.withEnvironment(manifest.environment());
                manifest.write(runDir);
                remeasureAll = true;
            } else {
                manifest = previous;
            }
        } else {
            manifest.write(runDir);
        }
        PrintWriter progress = spec.commandLine().getErr();
        if (cells.isEmpty() && selected != null) {
            return emptyShard(matrix, selected, manifest, runDir);
        }
        if (!diagnostics.isEmpty()) {
            progress.println("diagnostic knob active: " + String.join(", ", diagnostics.labels())
                    + " (deliberate regression; these figures are not the build's real ones)");
        }
        CellMeasurer measurer = new CellMeasurer(matrix.settings(), runDir, null, lockTimeout.value(), progress)
                .withDiagnostics(diagnostics).withWeights(matrix.weights());
        org.medfusion.bench.TimelineMeasurer timelines = matrix.timeline()
                ? new org.medfusion.bench.TimelineMeasurer(runDir.resolve("jmh"), matrix.settings().threads()) : null;
        org.medfusion.reference.RunReferences references = matrix.references().isEmpty() ? null
                : new org.medfusion.reference.RunReferences(runDir, matrix.references().get(0), reference.python(), matrix.settings(), keepErrors, progress);
        long start = System.nanoTime();
        int measured = 0;
        Deque<CellKey> todo = new ArrayDeque<>();
        int failedAgain = 0;
        for (CellKey k : cells) {
            if (remeasureAll || !CellStore.isDone(runDir, k, keepErrors)) {
                todo.add(k);
                failedAgain += !remeasureAll && CellStore.isDone(runDir, k) ? 1 : 0;
            }
        }
        if (!remeasureAll && (todo.size() < cells.size() || failedAgain > 0)) {
            progress.printf("resuming %s: %d of %d cells already measured%s%n", runDir, cells.size() - todo.size(), cells.size(),
                    failedAgain == 0 ? "" : ", " + failedAgain + " failed (error, crash) measured again (--keep-errors keeps them)");
        }
        int total = todo.size();
        while (!todo.isEmpty()) {
            CellKey k = todo.poll();
            progress.printf("[cell %d/%d] %s ... %s%n", cells.size() - total + measured + 1, cells.size(), k.id(),
                    eta(start, measured, total));
            progress.flush();
            CellResult r = measurer.measure(k);
            CellStore.save(runDir, r);
            measured++;
            progress.printf("[cell %d/%d] %s: %s%s%n", cells.size() - total + measured, cells.size(), k.id(),
                    r.status().label(), r.message() == null ? "" : " (" + r.message() + ")");
            if (timelines != null && r.status() == CellStatus.OK) {
                progress.println("  " + TimelineLine.record(timelines.withWeights(matrix.weights().get(k.model())), k, runDir));
            }
            if (references != null) {
                references.after(r);
            }
            Optional<HsErrReport> crash = measurer.lastCrash().filter(Natives::isOneDnnCrash);
            if (r.status() == CellStatus.CRASH && crash.isPresent() && k.device() == org.medfusion.results.Device.CPU) {
                Optional<Natives.Decision> adopted = Natives.afterOneDnnCrash(ConvShapes.of(k.model(), k.res()), k.batch(),
                        crash.get().describe());
                if (adopted.isPresent()) {
                    // every cell already measured under the old fallback is measured again: one run, one fallback
                    List<CellKey> again = cells.stream().filter(c -> !todo.contains(c) && CellStore.isDone(runDir, c)).toList();
                    progress.println("native fallback adopted after " + k.id() + " crashed in oneDNN: "
                            + adopted.get().description() + "; measuring " + (again.size() == 1 ? "it" : "it and the "
                            + (again.size() - 1) + " cells measured before it") + " again under it");
                    manifest = manifest.withEnvironment(manifest.environment().withNativeFallback(adopted.get().description()));
                    manifest.write(runDir);
                    List<CellKey> rest = new ArrayList<>(todo);
                    todo.clear();
                    todo.add(k);
                    again.stream().filter(c -> !c.equals(k)).forEach(todo::add);
                    todo.addAll(rest);
                    total += todo.size() - rest.size();
                } else {
                    progress.println("  no stronger native fallback is left to try (-D" + Natives.PROPERTY + "=off is the last)");
                }
            }
            progress.flush();
        }
        if (references != null) {
            references.fill(cells); // cells measured before the reference was configured, or whose reference failed
        }
        org.medfusion.results.Environment env = manifest.environment();
        PredictedPeaks.of(cells, k -> PeakPrediction.cached(k, env)).write(runDir); // stored: report reads only the run
        if (measured > 0 || manifest.finishedAt() == null) {
            manifest.finished().write(runDir); // a no-op re-run of a finished run keeps its end time, load and ticks
        }
        Reporter.Rendered rendered = Reporter.render(runDir);
        RunOutcome outcome = RunOutcome.of(cells.stream().map(k -> CellStore.read(CellStore.cellFile(runDir, k))).toList());
        PrintWriter w = spec.commandLine().getOut();
        w.println(rendered.summary());
        w.println("report: " + rendered.reportHtml());
        w.println("report: " + rendered.reportMd());
        outcome.lines().forEach(w::println);
        w.println(runDir.toAbsolutePath());
        w.flush();
        return outcome.exitCode();
    }

    /**
     * A shard that holds no cell (more shards than cell groups: a plain cell and its checkpointed cells always share a
     * shard) is not a failure: its manifest is written, finished, so that {@code merge} counts the shard as present,
     * and the run exits 0 with one line saying why there was nothing to measure (docs/slurm.md).
     */
    private int emptyShard(MatrixConfig matrix, Shards.Shard selected, RunManifest manifest, Path runDir) {
        manifest.finished().write(runDir);
        long groups = matrix.cells().stream().map(CellKey::plain).distinct().count();
        PrintWriter w = spec.commandLine().getOut();
        w.println("shard " + selected + " holds no cells: " + matrix.name() + " has " + groups + " cell group"
                + (groups == 1 ? "" : "s") + " (a plain cell with its checkpointed cells) for " + selected.n()
                + " shards; nothing to measure");
        w.println(runDir.toAbsolutePath());
        w.flush();
        return ExitCodes.OK;
    }

    /**
     * The matrix named by {@code --config}: a built-in name wins over a same-named file or directory in the working
     * directory unless the value is clearly a path (has a '/' or a .yaml/.yml ending); a directory is a usage error.
     */
    static MatrixConfig loadConfig(String config) throws IOException {
        boolean clearlyPath = config.contains("/") || config.contains(java.io.File.separator) || config.endsWith(".yaml")
                || config.endsWith(".yml");
        if (!clearlyPath && MatrixConfig.class.getResource("/bench-configs/" + config + ".yaml") != null) {
            return MatrixConfig.builtIn(config);
        }
        Path p = Path.of(config);
        if (Files.isDirectory(p)) {
            throw new IllegalArgumentException("--config " + config + " is a directory; give a YAML matrix file or a built-in"
                    + " name (" + String.join(", ", MatrixConfig.builtInNames()) + ")");
        }
        return clearlyPath || Files.exists(p) ? MatrixConfig.load(p) : MatrixConfig.builtIn(config);
    }

    /**
     * What differs between the environment a run was started in and this one among what its figures depend on
     * ({@link Environment#mergeKey()}: CPU, JVM, DJL and libtorch versions, native fallback, thread count), or null.
     */
    static String environmentChange(Environment before, Environment now) {
        Map<String, String> a = before.mergeKey();
        Map<String, String> b = now.mergeKey();
        List<String> diffs = a.keySet().stream().filter(k -> !java.util.Objects.equals(a.get(k), b.get(k)))
                .map(k -> k + " " + a.get(k) + " -> " + b.get(k)).toList();
        return diffs.isEmpty() ? null : String.join("; ", diffs);
    }

    /** The models at sizes whose convolutions the cells run on the CPU (GPU cells run none of oneDNN's). */
    static List<ConvShapes.ModelAtSize> modelsOf(List<CellKey> cells) {
        return cells.stream().filter(k -> k.device() == org.medfusion.results.Device.CPU)
                .map(k -> new ConvShapes.ModelAtSize(k.model(), k.res())).distinct().toList();
    }

    /** A knob must name a segment that some checkpointed cell of the matrix recomputes (0..S-2), else it would do nothing. */
    static void checkDiagnostics(Diagnostics diagnostics, MatrixConfig matrix) {
        int maxSegments = matrix.cells().stream().mapToInt(CellKey::segments).max().orElse(0);
        diagnostics.active().forEach((knob, segments) -> segments.forEach(k -> {
            if (k > maxSegments - 2) {
                throw new IllegalArgumentException("--diag " + knob.label() + "=" + k + " names no recomputed segment: the"
                        + " matrix's largest segment count is " + maxSegments + (maxSegments < 2 ? " (no checkpointed cell)"
                        : ", so recomputed segments are 0.." + (maxSegments - 2)));
            }
        }));
    }

    /** {@code --out} must be new, empty, or a run directory (manifest.json) to resume: never an unrelated directory. */
    static void checkOut(Path out) throws IOException {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file; give a new or empty directory, or a run directory to resume");
        }
        if (!Files.isDirectory(out) || RunManifest.exists(out)) {
            return;
        }
        try (var entries = Files.list(out)) {
            if (entries.anyMatch(e -> !e.getFileName().toString().equals(RunLock.FILE))) {
                throw new IllegalArgumentException("--out " + out + " is a non-empty directory that holds no run (no manifest.json);"
                        + " give a new or empty directory, or an earlier run's directory to resume");
            }
        }
    }

    /** {@code results/<runId>}, refusing a run id that would leave {@code results/} (the config name is validated too). */
    static Path resultsDir(String runId) {
        Path results = Path.of("results").toAbsolutePath().normalize();
        Path dir = results.resolve(runId).normalize();
        if (!dir.getParent().equals(results)) {
            throw new IllegalArgumentException("run id '" + runId + "' would write outside results/; the config name must match"
                    + " [A-Za-z0-9._-]+");
        }
        return Path.of("results", runId);
    }

    private static String eta(long startNanos, int done, int total) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        String e = "elapsed " + fmt(elapsed);
        if (done == 0) {
            return e;
        }
        Duration left = elapsed.dividedBy(done).multipliedBy(total - done);
        return e + ", about " + fmt(left) + " left";
    }

    private static String fmt(Duration d) {
        long s = d.getSeconds();
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
