package org.medfusion.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.bench.CellMeasurer;
import org.medfusion.bench.CellValidation;
import org.medfusion.bench.MeasureSettings;
import org.medfusion.bench.RunSettings;
import org.medfusion.capacity.CapacityMode;
import org.medfusion.capacity.CellPeakProbe;
import org.medfusion.capacity.EqualMemoryCsv;
import org.medfusion.capacity.EqualMemoryRow;
import org.medfusion.capacity.LargestBatchSearch;
import org.medfusion.capacity.SearchOutcome;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.platform.ByteSize;
import org.medfusion.planner.OptimalSplit;
import org.medfusion.planner.ProfileKey;
import org.medfusion.report.EqualMemoryTable;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code capacity}: the equal-memory comparison. For a memory cap, the largest batch whose <em>measured</em> step peak
 * fits, with no checkpointing, the uniform split and the planner's optimal split at S segments, found by probing real
 * cells (memory forks only); then the step time at each largest batch and the throughput it gives. Writes (merging
 * rows of other models or caps already there) {@code equal-memory.csv} into {@code --out}, which {@code report} shows.
 * Exit 0 when every mode was searched (a mode where nothing fits is a result), 2 on bad input, 3 without the device.
 */
@Command(name = "capacity", mixinStandardHelpOptions = true, defaultValueProvider = CapacityCommand.Defaults.class,
        description = "Largest batch whose measured step peak fits a memory cap, per mode (plain, uniform, optimal), and its throughput.")
public final class CapacityCommand implements Callable<Integer> {

    @Mixin
    LockTimeoutOption lockTimeout;

    @Mixin
    ModelSetupOptions setup;

    /** capacity's resolution default: that of {@code measure}. */
    static final class Defaults extends OptionDefaults {
        Defaults() {
            super(java.util.Map.of("--res", "112"));
        }
    }

    @Option(names = "--cap", required = true,
            description = "Memory cap, compared with the measured peak of one training step above its steady state: bytes, or e.g. 364MB, 350MiB, 1.5GiB.")
    String cap;

    @Option(names = "--segments", defaultValue = "4", description = "Segments of the uniform and optimal splits (default: ${DEFAULT-VALUE}).")
    int segments;

    @Option(names = "--modes", defaultValue = "plain,uniform,optimal", split = ",", description = "Modes to compare (default: ${DEFAULT-VALUE}).")
    List<String> modes;

    @Option(names = "--start-batch", defaultValue = "1",
            description = "First batch probed: a guess only, the answer does not depend on it; later modes start at the previous mode's answer (default: ${DEFAULT-VALUE}).")
    int startBatch;

    @Option(names = "--max-batch", defaultValue = "256", description = "Largest batch probed (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--memory-warmup", defaultValue = "1", description = "Warm-up steps of a probe's memory fork (default: ${DEFAULT-VALUE}).")
    int memoryWarmup;

    @Option(names = "--memory-iterations", defaultValue = "3", description = "Measured steps of a probe (its peak is their median) (default: ${DEFAULT-VALUE}).")
    int memoryIterations;

    @Option(names = "--time-warmup", defaultValue = "1", description = "Warm-up steps before timing the largest batch (default: ${DEFAULT-VALUE}).")
    int timeWarmup;

    @Option(names = "--time-iterations", defaultValue = "6", description = "Timed steps at the largest batch; 0: no timing (default: ${DEFAULT-VALUE}).")
    int timeIterations;

    @Option(names = "--out", description = "Directory for equal-memory.csv and JMH logs (default: results/capacity-<model>-r<res>-<timestamp>).")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long capBytes = parseCap(cap);
        List<CapacityMode> modeList = parseModes(modes);
        Precision prec = setup.precision;
        Device dev = setup.device;
        if (maxBatch < 1) {
            throw new IllegalArgumentException("--max-batch must be >= 1, got " + maxBatch);
        }
        if (startBatch < 1) {
            throw new IllegalArgumentException("--start-batch must be >= 1, got " + startBatch);
        }
        if (timeIterations < 0) {
            throw new IllegalArgumentException("--time-iterations must be >= 0, got " + timeIterations);
        }
        if (modeList.stream().anyMatch(CapacityMode::checkpointed)) {
            CellValidation.validate(setup.model, 2, setup.res, segments);
        } else {
            CellValidation.validate(setup.model, 2, setup.res, 0);
        }
        MeasureSettings settings = new MeasureSettings(new RunSettings(timeWarmup, Math.max(1, timeIterations), 1),
                new RunSettings(memoryWarmup, memoryIterations, 1)); // validates the counts
        NativesMissingException.ensureCovered(java.util.List.of(new org.medfusion.backbones.ConvShapes.ModelAtSize(setup.model, setup.res))); // before its forks run
        if (dev == Device.GPU && !org.medfusion.bench.CudaMemory.hasGpu()) {
            // else every probe would be "unsupported" and the answer a misleading "nothing fits"
            throw new EnvironmentException("--device gpu: no CUDA GPU visible to this build (see README: GPU build)");
        }
        Path dir = out != null ? out : Path.of("results", "capacity-" + setup.model + "-r" + setup.res + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        PrintWriter err = spec.commandLine().getErr();
        CellMeasurer measurer = new CellMeasurer(settings, dir, null, lockTimeout.value(), err);
        Long modelState = prec == Precision.FP32 ? modelStateBytes() : null;
        err.printf(Locale.ROOT, "capacity of %s at %d px under %s (%d bytes), compared with the measured peak of one training step above its"
                + " steady state; probes in %s%n", setup.model, setup.res, ByteSize.mib(capBytes), capBytes, dir.resolve("jmh"));
        List<EqualMemoryRow> rows = new ArrayList<>();
        int start = startBatch;
        Path file = dir.resolve(EqualMemoryCsv.FILE);
        for (CapacityMode mode : modeList) {
            CellPeakProbe probe = new CellPeakProbe(measurer::measureMemory, b -> planText(mode, b, prec, dev), setup.model, setup.res, segments, mode,
                    prec, dev, err);
            SearchOutcome found = new LargestBatchSearch(capBytes, maxBatch, start).run(probe);
            rows.add(row(mode, capBytes, found, probe, measurer, modelState, prec, dev));
            writeMerged(file, rows); // after every mode: an interrupted comparison keeps the modes it finished
            if (found.largestBatch() > 0) {
                start = found.largestBatch(); // a guess for the next mode, which keeps less; the answer does not depend on it
            }
        }
        PrintWriter o = spec.commandLine().getOut();
        o.print(EqualMemoryTable.of(rows).console());
        o.println(dir.resolve(EqualMemoryCsv.FILE));
        o.flush();
        err.println("report with the equal-memory table and charts: java -jar target/benchmarks.jar report " + dir);
        err.flush();
        return ExitCodes.OK;
    }

    /** The cap as bytes; a bad value is a one-line usage error naming it. */
    static long parseCap(String text) {
        try {
            return ByteSize.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cap must be a positive size in bytes or with a unit such as 364MB, 350MiB or 1.5GiB, got '"
                    + text + "'");
        }
    }

    /** Writes {@code rows} into the file, keeping its rows of other models, caps or modes. */
    private static void writeMerged(Path file, List<EqualMemoryRow> rows) {
        List<EqualMemoryRow> all = new ArrayList<>();
        if (Files.exists(file)) {
            for (EqualMemoryRow old : EqualMemoryCsv.read(file)) {
                if (rows.stream().noneMatch(r -> sameRow(r, old))) {
                    all.add(old);
                }
            }
        }
        all.addAll(rows);
        EqualMemoryCsv.write(file, all);
    }

    static List<CapacityMode> parseModes(List<String> labels) {
        Set<CapacityMode> out = new LinkedHashSet<>();
        for (String l : labels) {
            try {
                out.add(CapacityMode.parse(l));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--modes: " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    private static boolean sameRow(EqualMemoryRow a, EqualMemoryRow b) {
        return a.model().equals(b.model()) && a.res() == b.res() && a.precision().equals(b.precision()) && a.device().equals(b.device())
                && a.capBytes() == b.capBytes() && a.mode() == b.mode();
    }

    /** The plan a checkpointed cell runs at a batch: the uniform split's, or the planner's from that batch's profile. */
    private String planText(CapacityMode mode, int batch, Precision prec, Device dev) {
        if (mode == CapacityMode.OPTIMAL) {
            return rangesText(OptimalSplit.plan(new ProfileKey(setup.model, batch, setup.res, prec, dev), segments).plan());
        }
        int blocks = CellValidation.blockCount(BackboneRegistry.spec(setup.model), setup.res);
        return rangesText(SegmentPlan.uniform(blocks, segments));
    }

    /** {@code [0,1) [1,2) [2,3) [3,10)}: block ranges of the segments, as {@code plan --compare} describes them in the README. */
    static String rangesText(SegmentPlan plan) {
        return String.join(" ", plan.ranges().stream().map(r -> "[" + r.start() + "," + r.end() + ")").toList());
    }

    /** Weights, gradients and AdamW's two moments: 4 fp32 copies of every trainable parameter of the model the cells build. */
    private long modelStateBytes() {
        try (Backbone b = BackboneRegistry.create(setup.model, BackboneOptions.defaults().withImageSize(setup.res))) {
            return 16L * b.parameterCount();
        }
    }

    /** The mode's row: the search's answer, and the step time measured at the largest batch (unless timing is off). */
    private EqualMemoryRow row(CapacityMode mode, long capBytes, SearchOutcome found, CellPeakProbe probe, CellMeasurer measurer,
            Long modelState, Precision prec, Device dev) {
        int b = found.largestBatch();
        Double median = null;
        Double low = null;
        Double high = null;
        int samples = 0;
        String timeNote;
        if (b == 0) {
            timeNote = "nothing fits";
        } else if (timeIterations == 0) {
            timeNote = "not timed (--time-iterations 0)";
        } else {
            spec.commandLine().getErr().printf(Locale.ROOT, "  %s batch %d: timing %d steps%n", mode.label(), b, timeIterations);
            spec.commandLine().getErr().flush();
            CellResult t = measurer.measureStepTime(probe.key(b));
            if (t.status() == CellStatus.OK && t.stepMsMedian() != null) {
                median = t.stepMsMedian();
                low = t.stepMsCiLow();
                high = t.stepMsCiHigh();
                samples = t.stepMsSamples().size();
                timeNote = "";
            } else {
                timeNote = "timing " + t.status().label() + ": " + t.message();
            }
        }
        return new EqualMemoryRow(setup.model, setup.res, prec.label(), dev.label(), capBytes, mode, mode.segments(segments), b == 0 ? "" : probe.planAt(b),
                b, found.reachedMaxBatch(), found.peakBytes(), probe.memoryMethod(), median, low, high, samples, timeNote, found.probesText(),
                modelState);
    }
}
