package org.medfusion.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.medfusion.bench.CellMeasurer;
import org.medfusion.bench.MatrixConfig;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStore;
import org.medfusion.report.Reporter;
import org.medfusion.results.RunManifest;
import org.medfusion.results.Shards;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code run}: measures every cell of a matrix config (or this shard of it), writing each finished
 * cell at once (atomically) under {@code <out>/cells/}, then renders the tables, charts and report.
 * Re-running into the same directory resumes: finished cells are not measured again. The run
 * directory is the last line printed.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs a benchmark matrix (bench-configs/*.yaml) and renders its report.")
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", defaultValue = "smoke",
            description = "A YAML matrix file, or the name of a built-in one (smoke, seed-table, zoo-cpu); default: ${DEFAULT-VALUE}.")
    String config;

    @Option(names = "--out", description = "Run directory (default: results/<config>-<timestamp>); an existing one resumes.")
    Path out;

    @Option(names = "--shard", description = "Measure only shard k of n (k/n, 1-based) for parallel runs; combine with merge.")
    String shard;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        MatrixConfig matrix = Files.exists(Path.of(config)) || config.contains("/") || config.endsWith(".yaml")
                ? MatrixConfig.load(Path.of(config)) : MatrixConfig.builtIn(config);
        Shards.Shard selected = shard == null ? null : Shards.parse(shard);
        List<CellKey> cells = selected == null ? matrix.cells() : Shards.select(matrix.cells(), selected);
        NativesMissingException.ensureEngine();
        String runId = out != null ? out.getFileName().toString()
                : matrix.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                        + (selected == null ? "" : "-shard" + selected.k() + "of" + selected.n());
        Path runDir = out != null ? out : Path.of("results", runId);
        Files.createDirectories(runDir);
        String command = "java -jar benchmarks.jar " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        RunManifest manifest = RunManifest.start(runId, matrix.name(), matrix.source(), cells, command,
                selected == null ? null : selected.toString());
        if (RunManifest.exists(runDir)) {
            RunManifest previous = RunManifest.read(runDir);
            if (!previous.configHash().equals(manifest.configHash())) {
                spec.commandLine().getErr().println("error: " + runDir + " holds a run of a different config ("
                        + previous.configName() + "); choose another --out");
                return Main.DATA;
            }
            manifest = previous;
        } else {
            manifest.write(runDir);
        }
        PrintStream progress = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
        CellMeasurer measurer = new CellMeasurer(matrix.settings(), runDir, null);
        long start = System.nanoTime();
        int measured = 0;
        List<CellKey> todo = new ArrayList<>();
        for (CellKey k : cells) {
            if (!CellStore.isDone(runDir, k)) {
                todo.add(k);
            }
        }
        if (todo.size() < cells.size()) {
            progress.printf("resuming %s: %d of %d cells already measured%n", runDir, cells.size() - todo.size(), cells.size());
        }
        for (CellKey k : todo) {
            progress.printf("[cell %d/%d] %s ... %s%n", cells.size() - todo.size() + measured + 1, cells.size(), k.id(),
                    eta(start, measured, todo.size()));
            CellResult r = measurer.measure(k);
            CellStore.save(runDir, r);
            measured++;
            progress.printf("[cell %d/%d] %s: %s%s%n", cells.size() - todo.size() + measured, cells.size(), k.id(),
                    r.status().label(), r.message() == null ? "" : " (" + r.message() + ")");
        }
        manifest.finished().write(runDir);
        Reporter.Rendered rendered = Reporter.render(runDir);
        PrintWriter w = spec.commandLine().getOut();
        w.println(rendered.summary());
        w.println("report: " + rendered.reportHtml());
        w.println("report: " + rendered.reportMd());
        w.println(runDir.toAbsolutePath());
        w.flush();
        return 0;
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
