package org.medfusion.cli;

import org.medfusion.platform.ByteSize;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.medfusion.bench.CellMeasurer;
import org.medfusion.bench.MeasureSettings;
import org.medfusion.results.CellJson;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.reference.ReferenceRunner;
import org.medfusion.results.ReferenceFigures;
import org.medfusion.natives.Natives;
import org.medfusion.platform.AtomicFiles;
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

    @Mixin
    ReferenceOption reference;

    @Option(names = "--out", description = "Directory for JMH's JSON and logs (default: a temporary directory, deleted afterwards).")
    Path out;

    @Mixin
    LockTimeoutOption lockTimeout;

    @Option(names = "--format", converter = OutputFormat.JsonOrTable.class, defaultValue = "json", description = "json or table (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Option(names = "--timeline", description = "Also record one training step's memory timeline (every event of the step with the "
            + "bytes in use, their high-water mark and what holds them) into <out>/timelines/<cell>/timeline.csv; needs --out. Bytes are "
            + "measured with -Dmedfusion.allocCounter=<alloc_counter.so> on CPU (else \"not measured\"), the CUDA pool on a GPU.")
    boolean timeline;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CellKey key = cell.validatedKey();
        java.time.Duration lockWait = lockTimeout.value();
        if (timeline && out == null) {
            throw new IllegalArgumentException("--timeline needs --out DIR: the timeline is written to DIR/timelines/<cell>/timeline.csv");
        }
        Integer threadCount = threads.value();
        MeasureSettings d = MeasureSettings.defaults();
        MeasureSettings settings = d.withTiming(d.timing().withWarmup(warmup).withIterations(iterations))
                .withMemory(d.memory().withForks(memoryForks)).withThreads(threadCount);
        org.medfusion.results.ReferenceFramework referenceKind = reference.framework().orElse(null);
        NativesMissingException.ensureCovered(java.util.List.of(new org.medfusion.backbones.ConvShapes.ModelAtSize(key.model(), key.res()))); // before its forks run
        weights.check(key.model(), key.res());
        Path dir = out != null ? Files.createDirectories(out) : Files.createTempDirectory("medfusion-measure");
        CellResult r;
        try {
            CellMeasurer measurer = new CellMeasurer(settings, dir, spec.commandLine().getErr(),
                    lockWait, spec.commandLine().getErr())
                    .withWeights(weights.value() == null ? java.util.Map.of() : java.util.Map.of(key.model(), weights.value()));
            r = measurer.measure(key);
            // the reactive safety net, as in run: a fork that died in oneDNN makes the cell re-probed and measured again
            java.util.Optional<org.medfusion.platform.HsErrReport> crash;
            while (r.status() == CellStatus.CRASH && key.device() == org.medfusion.results.Device.CPU
                    && (crash = measurer.lastCrash().filter(Natives::isOneDnnCrash)).isPresent()) {
                java.util.Optional<Natives.Decision> adopted = Natives.afterOneDnnCrash(
                        org.medfusion.backbones.ConvShapes.of(key.model(), key.res()), key.batch(), crash.get().describe());
                if (adopted.isEmpty()) {
                    break;
                }
                spec.commandLine().getErr().println("native fallback adopted after a fork crashed in oneDNN: "
                        + adopted.get().description() + "; measuring " + key.id() + " again under it");
                r = measurer.measure(key);
            }
            if (timeline && r.status() == CellStatus.OK) {
                spec.commandLine().getErr().println(TimelineLine.record(new org.medfusion.bench.TimelineMeasurer(dir.resolve("jmh"),
                        threadCount).withWeights(weights.value()), key, dir));
            }
        } finally {
            if (out == null) {
                AtomicFiles.deleteTreeQuietly(dir);
            }
        }
        if (out == null && r.status() == CellStatus.CRASH) {
            r = r.withMessage(r.message().replaceFirst("hs_err: jmh/\\S+", "run with --out DIR to keep the JMH logs and the hs_err file"));
        }
        ReferenceFigures torch = referenceKind == null ? null : new ReferenceRunner(reference.python(), settings).measure(key);
        PrintWriter w = spec.commandLine().getOut();
        w.println(format == OutputFormat.JSON ? toJson(r, torch) : toTable(r) + (torch == null ? "" : referenceTable(r, torch)));
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
    /** The shared cell serialization ({@link CellJson}), one object. */
    static String toJson(CellResult r) {
        return toJson(r, null);
    }

    /** As {@link #toJson(CellResult)}, with PyTorch's figures and our/PyTorch ratios under {@code reference} when measured. */
    static String toJson(CellResult r, ReferenceFigures torch) {
        com.fasterxml.jackson.databind.node.ObjectNode n = CellJson.toNode(r);
        n.put("native_fallback", Natives.fallbackDescription()); // the fallback that produced these figures
        if (torch != null) {
            com.fasterxml.jackson.databind.node.ObjectNode ref = org.medfusion.platform.Json.MAPPER.valueToTree(torch);
            ref.put("framework", "torch");
            Double peak = ReferenceFigures.ratio(r.peakBytes(), torch.peakBytes());
            Double time = ReferenceFigures.ratio(r.stepMsMedian(), torch.stepMsMedian());
            if (peak != null) {
                ref.put("peak_ratio", peak);
            }
            if (time != null) {
                ref.put("step_time_ratio", time);
            }
            n.set("reference", ref);
        }
        return n.toString(); // compact: one line
    }

    /** The "PyTorch beside us" lines of the table format. */
    static String referenceTable(CellResult r, ReferenceFigures t) {
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT, "%nPyTorch beside us: %s", t.status()));
        if (!t.ok()) {
            return sb.append(t.message() == null ? "" : " (" + t.message() + ")").toString();
        }
        Double peak = ReferenceFigures.ratio(r.peakBytes(), t.peakBytes());
        Double time = ReferenceFigures.ratio(r.stepMsMedian(), t.stepMsMedian());
        sb.append(String.format(java.util.Locale.ROOT, ", %s, %d threads%n", t.torch(), t.threads()));
        sb.append(String.format(java.util.Locale.ROOT, "peak memory  %s (cpu.rss.peak)%s   ours/PyTorch %s%n", ByteSize.mib(t.peakBytes()),
                t.mallocPeakBytes() == null ? "" : ", malloc " + ByteSize.mib(t.mallocPeakBytes()),
                peak == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.3f", peak)));
        sb.append(String.format(java.util.Locale.ROOT, "step time    %.1f ms median%s   ours/PyTorch %s", t.stepMsMedian(),
                t.plainRatioMedian() == null ? "" : String.format(java.util.Locale.ROOT, " (checkpointed/plain %.3f)", t.plainRatioMedian()),
                time == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.3f", time)));
        return sb.toString();
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
                r.peakBytes() == null ? "missing" : org.medfusion.platform.ByteSize.mib(r.peakBytes()),
                r.memoryMethod(), r.memoryRepeats()));
        sb.append(String.format(java.util.Locale.ROOT, "step time    %.1f ms median, 95%% CI [%.1f, %.1f], n=%d",
                r.stepMsMedian(), r.stepMsCiLow(), r.stepMsCiHigh(), r.stepMsSamples().size()));
        if (r.recomputeForwardMs() != null) {
            sb.append(String.format(java.util.Locale.ROOT, "%nrecomputed forward  %.1f ms median", r.recomputeForwardMs()));
        }
        sb.append(String.format(java.util.Locale.ROOT, "%nnative fallback  %s", Natives.fallbackDescription()));
        return sb.toString();
    }
}
