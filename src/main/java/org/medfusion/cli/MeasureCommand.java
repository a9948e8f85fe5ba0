package org.medfusion.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.medfusion.bench.CellMeasurer;
import org.medfusion.bench.CellValidation;
import org.medfusion.bench.MeasureSettings;
import org.medfusion.results.CellJson;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code measure}: one cell without a matrix. Peak memory in its own forked JVMs (with the
 * environment the memory method needs), step time in others; prints one JSON object (or a table).
 * JMH's progress goes to stderr, the result to stdout. Exit 0 when measured (an OOM is a result),
 * 2 on bad input, 3 when the device is not available, 4 when the measurement failed.
 */
@Command(name = "measure", mixinStandardHelpOptions = true, defaultValueProvider = MeasureCommand.Defaults.class,
        description = "Measures one cell: peak memory of a training step and step time (median, 95%% CI).")
public final class MeasureCommand implements Callable<Integer> {

    enum Format { json, table }

    @Mixin
    CellOptions cell;

    /** measure's cell defaults: a benchmark-sized cell (the smoke matrix's batch and resolution), no checkpointing. */
    static final class Defaults extends OptionDefaults {
        Defaults() {
            super(java.util.Map.of("--batch", "16", "--res", "112", "--segments", "0"));
        }
    }

    @Option(names = "--warmup", defaultValue = "5", description = "Warm-up steps per timing fork (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iterations", defaultValue = "10", description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--memory-forks", defaultValue = "2", description = "Memory forks (default: ${DEFAULT-VALUE}).")
    int memoryForks;

    @Mixin
    ThreadsOption threads;

    @Mixin
    WeightsOption weights;

    @Option(names = "--out", description = "Directory for JMH's JSON and logs (default: a temporary directory, deleted afterwards).")
    Path out;

    @Option(names = "--format", defaultValue = "json", description = "json or table (default: ${DEFAULT-VALUE}).")
    Format format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CellKey key = cell.key();
        CellValidation.validate(key);
        Integer threadCount = threads.value();
        MeasureSettings d = MeasureSettings.defaults();
        MeasureSettings settings = d.withTiming(d.timing().withWarmup(warmup).withIterations(iterations))
                .withMemory(d.memory().withForks(memoryForks)).withThreads(threadCount);
        NativesMissingException.ensureEngine();
        weights.check(key.model(), key.res());
        Path dir = out != null ? Files.createDirectories(out) : Files.createTempDirectory("medfusion-measure");
        CellResult r;
        try {
            r = new CellMeasurer(settings, dir, spec.commandLine().getErr()).withWeights(weights.value()).measure(key);
        } finally {
            if (out == null) {
                deleteTree(dir);
            }
        }
        PrintWriter w = spec.commandLine().getOut();
        w.println(format == Format.json ? toJson(r) : toTable(r));
        w.flush();
        switch (r.status()) {
            case OK:
            case OOM:
                return 0;
            case UNSUPPORTED:
                return ExitCodes.DATA;
            default:
                return ExitCodes.ERROR;
        }
    }

    /** Removes the temporary JMH directory (logs, JSON, hs_err files) of a measure without --out. */
    static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The shared cell serialization ({@link CellJson}), one object. */
    static String toJson(CellResult r) throws Exception {
        return CellJson.toNode(r).toString(); // compact: one line
    }

    static String toTable(CellResult r) {
        CellKey k = r.key();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(java.util.Locale.ROOT, "%s  batch %d  %d px  segments %d (%s split)  %s  %s: %s%n", k.model(), k.batch(),
                k.res(), k.segments(), k.split().label(), k.precision().label(), k.device().label(), r.status().label()));
        if (r.status() != CellStatus.OK) {
            return sb.append(r.message()).toString();
        }
        sb.append(String.format(java.util.Locale.ROOT, "peak memory  %s (%s, per fork %s)%n",
                r.peakBytes() == null ? "missing" : String.format(java.util.Locale.ROOT, "%.1f MiB", r.peakBytes() / 1048576.0),
                r.memoryMethod(), r.memoryRepeats()));
        sb.append(String.format(java.util.Locale.ROOT, "step time    %.1f ms median, 95%% CI [%.1f, %.1f], n=%d",
                r.stepMsMedian(), r.stepMsCiLow(), r.stepMsCiHigh(), r.stepMsSamples().size()));
        if (r.recomputeForwardMs() != null) {
            sb.append(String.format(java.util.Locale.ROOT, "%nrecomputed forward  %.1f ms median", r.recomputeForwardMs()));
        }
        return sb.toString();
    }
}
