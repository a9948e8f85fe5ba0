package org.medfusion.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.Optional;
import org.medfusion.platform.HsErrReport;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.checkpoint.Diagnostics;
import org.medfusion.results.CellKey;
import org.medfusion.results.Device;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Stats;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Measures one cell with JMH: peak memory in memory forks ({@link PeakMemoryProfiler}; the cell's
 * figure is the median over the measured steps of each step's peak, per fork in the repeats), step
 * time in timing forks (a checkpointed cell's timing fork also times a plain step just before each measured step:
 * {@link PairedReferenceProfiler}), and (for 2+ segments) the forward time of the recomputed segments in forks of its own
 * ({@link RecomputeForks}: timed again when those forks disagree).
 * Each run's JMH JSON and console log are kept under {@code <outDir>/jmh/}, and so is the hs_err file of a fork
 * that crashes ({@code -XX:ErrorFile}; never the working directory).
 *
 * <p>This class says what to run and puts the cell together; the jobs are elsewhere: running JMH and waiting for its
 * machine-wide lock ({@link JmhRun}: a busy machine is not a property of the cell, so no cell is written for it),
 * classifying a failed run ({@link ForkFailure}: failures are results with a status, never thrown), reading the
 * figures out of JMH's results ({@link JmhResults}).
 */
public final class CellMeasurer {

    /** Default of {@code run --lock-timeout}: how long to wait for another process's JMH run to finish. */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofHours(1);

    private final MeasureSettings settings;
    private final JmhRun jmh;
    private Diagnostics diagnostics = Diagnostics.NONE;
    private org.medfusion.checkpoint.SegmentPlan explicitPlan;
    private java.util.Map<String, Path> weights = java.util.Map.of();
    private boolean chainReference;
    private HsErrReport lastCrash;

    /**
     * @param outDir where JMH JSON and logs go ({@code jmh/} below it)
     * @param console where JMH's progress is echoed (null: only to the log file)
     */
    public CellMeasurer(MeasureSettings settings, Path outDir, PrintWriter console) {
        this(settings, outDir, console, DEFAULT_LOCK_TIMEOUT, console);
    }

    /**
     * @param lockTimeout how long to wait for JMH's machine-wide lock held by another process
     * @param notices where the wait for that lock is announced (may differ from {@code console}, which echoes JMH)
     */
    public CellMeasurer(MeasureSettings settings, Path outDir, PrintWriter console, Duration lockTimeout, PrintWriter notices) {
        this.settings = settings;
        this.jmh = new JmhRun(outDir, console, lockTimeout, notices);
    }

    /**
     * Applies diagnostic knobs ({@code run --diag}) to every fork this measurer starts, as {@code -Dmedfusion.diag.*}
     * options; {@link Diagnostics#NONE} (the default) in real runs.
     */
    public CellMeasurer withDiagnostics(Diagnostics diagnostics) {
        this.diagnostics = diagnostics == null ? Diagnostics.NONE : diagnostics;
        return this;
    }

    /**
     * Makes every fork run {@code plan} for its {@code split: optimal} cell ({@code plan --measure}: a budget plan with
     * stored segments, which no cell coordinate names); null (the default) runs the cell's own plan.
     */
    public CellMeasurer withExplicitPlan(org.medfusion.checkpoint.SegmentPlan plan) {
        this.explicitPlan = plan;
        return this;
    }

    /**
     * Makes every fork of a model in {@code files} load that torchvision state dict ({@code measure --weights}, a
     * config's {@code weights:}) into its backbone, as {@code -Dmedfusion.weights}; other models (and an empty map,
     * the default) keep our seeded random initialisation.
     */
    public CellMeasurer withWeights(java.util.Map<String, Path> files) {
        this.weights = java.util.Map.copyOf(files);
        return this;
    }

    /**
     * Makes every recompute fork time the whole chain's forward with grad before each measured call
     * ({@link PairedReferenceProfiler.Reference#CHAIN_FORWARD}; the cell's {@code chain_forward_fork_ms}): {@code plan
     * --sweep} reads a predicted recompute against the measured one at the speed its profile was taken at. Off by
     * default: it adds a whole forward per measured call.
     */
    public CellMeasurer withChainReference(boolean on) {
        this.chainReference = on;
        return this;
    }

    /** JMH's machine-wide lock file ({@code <java.io.tmpdir>/jmh.lock}, as JMH 1.37 names it). */
    public static Path jmhLockFile() {
        return JmhRun.lockFile();
    }

    /** The cell's memory and, unless the settings are {@link MeasureSettings#memoryOnly memory only}, its times. */
    public CellResult measure(CellKey key) {
        return measurePart(key, settings.memoryOnly() ? Part.MEMORY : Part.ALL);
    }

    /**
     * Memory forks only (no timing or recompute forks): the cell's peak as {@link #measure} computes it, every step time
     * missing. For searches that need many memory figures, e.g. the largest batch under a memory cap.
     */
    public CellResult measureMemory(CellKey key) {
        return measurePart(key, Part.MEMORY);
    }

    /**
     * Timing forks only, without the paired plain step (a plain step at a checkpointed cell's batch may not fit where
     * that cell does): the cell's step times as {@link #measure} computes them, its memory figure missing.
     */
    public CellResult measureStepTime(CellKey key) {
        return measurePart(key, Part.TIME);
    }

    /** Which forks a measurement runs: all (memory, time and, for 2+ segments, the recomputed forward), or one kind. */
    private enum Part { ALL, MEMORY, TIME }

    private CellResult measurePart(CellKey key, Part part) {
        lastCrash = null;
        String family;
        try {
            CellValidation.validate(key);
            family = BackboneRegistry.spec(key.model()).family();
        } catch (IllegalArgumentException e) {
            return CellResult.failed(key, "", CellStatus.ERROR, e.getMessage());
        }
        if (key.device() == Device.GPU && !CudaMemory.hasGpu()) {
            return CellResult.failed(key, family, CellStatus.UNSUPPORTED, "no CUDA GPU visible to this build (see README: GPU build)");
        }
        try {
            JmhResults.MemoryFigure mem = part == Part.TIME ? JmhResults.MemoryFigure.NONE
                    : JmhResults.memoryFigure(key, run(key, "memory", TrainingStepBenchmark.class, "step", settings.memory(), true, false));
            if (part == Part.MEMORY) {
                return CellResult.builder(key, family, CellStatus.OK).peak(mem.peak(), mem.method()).memoryRepeats(mem.perFork()).build();
            }
            boolean paired = part == Part.ALL && key.segments() > 0;
            List<RunResult> timing = run(key, "time", TrainingStepBenchmark.class, "step",
                    settings.timing(), false, paired);
            List<Double> samples = JmhResults.primarySamples(timing);
            List<Double> pairedPlain = paired ? JmhResults.pairedSamples(timing, PairedReferenceProfiler.Reference.PLAIN_STEP, samples.size())
                    : List.of();
            Stats.Summary time = Stats.summarize(samples);
            RecomputeForks.Figure recompute = new RecomputeForks.Figure(null, List.of(), List.of());
            if (part == Part.ALL && key.segments() >= 2) {
                // a second run keeps its own JMH files: recompute-2.json beside recompute.json
                recompute = RecomputeForks.measure(runNo -> {
                    List<RunResult> forks = run(key, runNo == 1 ? "recompute" : "recompute-" + runNo, RecomputeForwardBenchmark.class,
                            "forward", settings.recompute(), false, false);
                    return new RecomputeForks.ForkRun(JmhResults.forkMedians(forks),
                            JmhResults.forkMedians(forks, PairedReferenceProfiler.Reference.CHAIN_FORWARD));
                });
            }
            return CellResult.builder(key, family, CellStatus.OK).peak(mem.peak(), mem.method()).memoryRepeats(mem.perFork())
                    .stepMs(samples, time).pairedPlainMsSamples(pairedPlain).recomputeForwardMs(recompute.medianMs())
                    .recomputeForkMs(recompute.forkMs()).chainForwardForkMs(recompute.chainForkMs()).build();
        } catch (ForkFailure f) {
            lastCrash = f.crash;
            return CellResult.failed(key, family, f.status, f.getMessage());
        }
    }

    /** One JMH run of the cell: its benchmark method, counts, profilers and fork options. */
    private List<RunResult> run(CellKey key, String kind, Class<?> benchmark, String method, RunSettings counts,
            boolean memoryProfiler, boolean pairedPlain) {
        ChainedOptionsBuilder options = MeasureSettings.jmhOptions(new OptionsBuilder(), counts)
                .include(Pattern.quote(benchmark.getName()) + "\\." + method + "$")
                .param("model", key.model())
                .param("batch", Integer.toString(key.batch()))
                .param("res", Integer.toString(key.res()))
                .param("segments", Integer.toString(key.segments()))
                .param("split", key.split().label())
                .param("accumulation", Integer.toString(key.accumulation()))
                .param("precision", key.precision().label())
                .param("device", key.device().label())
                .shouldFailOnError(true);
        if (memoryProfiler) {
            options.addProfiler(PeakMemoryProfiler.class);
        } else {
            options.addProfiler(TimingAllocator.class);
        }
        if (pairedPlain) {
            options.param("pairedPlain", "true").addProfiler(PairedReferenceProfiler.class);
        }
        if (chainReference && benchmark == RecomputeForwardBenchmark.class) {
            options.param("pairedChain", "true").addProfiler(PairedReferenceProfiler.class);
        }
        // prepend, not append: jvmArgsAppend given here would replace the benchmark's @Fork(jvmArgsAppend)
        List<String> forkArgs = JmhRun.forkJvmArgs(jmh.jmhDir(), diagnostics, settings.threads());
        if (explicitPlan != null) {
            forkArgs.add(org.medfusion.planner.OptimalSplit.explicitPlanJvmArg(explicitPlan));
        }
        if (weights.containsKey(key.model())) {
            forkArgs.add(TrainingCell.weightsJvmArg(weights.get(key.model())));
        }
        options.jvmArgsPrepend(forkArgs.toArray(String[]::new));
        return jmh.run(key, fileStem(key), kind, options);
    }

    /**
     * The name of the cell's JMH files: its id, and with an explicit plan the plan too, since the plans of a sweep that
     * have the same segment count share a cell id and would overwrite each other's files.
     */
    String fileStem(CellKey key) {
        return explicitPlan == null ? key.id() : key.id() + "_plan-" + explicitPlan.spec().replace(',', '_');
    }

    /** The native crash of the last cell this measurer measured, when one of its forks died from a signal. */
    public Optional<HsErrReport> lastCrash() {
        return Optional.ofNullable(lastCrash);
    }
}
