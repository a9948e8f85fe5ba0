package org.medfusion.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Optional;
import org.medfusion.platform.ChildJvm;
import org.medfusion.platform.HsErrReport;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.checkpoint.Diagnostics;
import org.medfusion.results.CellKey;
import org.medfusion.results.Device;
import org.medfusion.results.MemoryMethod;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Stats;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Measures one cell with JMH: peak memory in memory forks ({@link PeakMemoryProfiler}; the cell's
 * figure is the median over the measured steps of each step's peak, per fork in the repeats), step
 * time in timing forks (a checkpointed cell's timing fork also times a plain step just before each measured step:
 * {@link PairedPlainProfiler}), and (for 2+ segments) the forward time of the recomputed segments.
 * Each run's JMH JSON and console log are kept under {@code <outDir>/jmh/}, and so is the hs_err file of a fork
 * that crashes ({@code -XX:ErrorFile}; never the working directory).
 *
 * <p>Failures are classified, never thrown: an out-of-memory is a result (status OOM), recorded only on evidence of
 * it in the fork's output or hs_err file; a fork that died from a signal (exit status above 128: a native crash
 * aborts with 134, a kill is 137) is a CRASH whose message names the signal and the native frame from the hs_err
 * file; anything else is an ERROR with the exception's message.
 *
 * <p>JMH takes a machine-wide lock ({@code <java.io.tmpdir>/jmh.lock}) for every run. When another process holds it,
 * this class waits (saying so once on the console) up to the lock timeout and then throws
 * {@link JmhLockTimeoutException}: a busy machine is not a property of the cell, so no cell is written for it.
 */
public final class CellMeasurer {

    private static final Pattern OOM = Pattern.compile(
            "OutOfMemoryError|out of memory|not enough memory|DefaultCPUAllocator: can't allocate|CUDA error: out of memory"
                    + "|insufficient memory for the Java Runtime|Native memory allocation \\(\\w+\\) failed",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern FORK_EXIT = Pattern.compile("<forked VM failed with exit code (\\d+)>");
    private static final String JMH_LOCK_BUSY = "Unable to acquire the JMH lock";
    /** Default of {@code run --lock-timeout}: how long to wait for another process's JMH run to finish. */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofHours(1);
    private static final Pattern EXCEPTION = Pattern.compile("^(?:Caused by: )?([\\w.$]+(?:Exception|Error)): (.+)$", Pattern.MULTILINE);

    private final MeasureSettings settings;
    private final Path outDir;
    private final PrintWriter console;
    private final Duration lockTimeout;
    private final PrintWriter notices;
    private Diagnostics diagnostics = Diagnostics.NONE;
    private org.medfusion.checkpoint.SegmentPlan explicitPlan;
    private java.util.Map<String, Path> weights = java.util.Map.of();
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
        this.outDir = outDir;
        this.console = console;
        this.lockTimeout = lockTimeout;
        this.notices = notices;
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

    /** JMH's machine-wide lock file ({@code <java.io.tmpdir>/jmh.lock}, as JMH 1.37 names it). */
    public static Path jmhLockFile() {
        return Path.of(System.getProperty("java.io.tmpdir"), "jmh.lock");
    }

    public CellResult measure(CellKey key) {
        return measurePart(key, Part.ALL);
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
            MemoryFigure mem = part == Part.TIME ? new MemoryFigure(null, null, List.of()) : memoryFigure(key);
            if (part == Part.MEMORY) {
                return CellResult.builder(key, family, CellStatus.OK).peak(mem.peak(), mem.method()).memoryRepeats(mem.perFork()).build();
            }
            boolean paired = part == Part.ALL && key.segments() > 0;
            List<RunResult> timing = run(key, "time", TrainingStepBenchmark.class, "step",
                    settings.timing(), false, paired);
            List<Double> samples = primarySamples(timing);
            List<Double> pairedPlain = paired ? pairedPlainSamples(timing, samples.size()) : List.of();
            Stats.Summary time = Stats.summarize(samples);
            Double recompute = null;
            if (part == Part.ALL && key.segments() >= 2) {
                List<Double> fwd = primarySamples(run(key, "recompute", RecomputeForwardBenchmark.class, "forward",
                        settings.timing(), false, false));
                recompute = Stats.summarize(fwd).median();
            }
            return CellResult.builder(key, family, CellStatus.OK).peak(mem.peak(), mem.method()).memoryRepeats(mem.perFork())
                    .stepMs(samples, time).pairedPlainMsSamples(pairedPlain).recomputeForwardMs(recompute).build();
        } catch (CellFailure f) {
            lastCrash = f.crash;
            return CellResult.failed(key, family, f.status, f.getMessage());
        }
    }

    /** A cell's memory figure: the median of all measured steps' peaks, the per-fork medians and the method. */
    private record MemoryFigure(Long peak, MemoryMethod method, List<Long> perFork) {
    }

    private MemoryFigure memoryFigure(CellKey key) {
        List<RunResult> memory = run(key, "memory", TrainingStepBenchmark.class, "step",
                settings.memory(), true, false);
        MemoryMethod method = memoryMethod(key, memory);
        // Each iteration is one step's peak. The JVM occasionally maps memory of its own during a
        // step (JIT code cache, metaspace), which shows in RSS as a one-off outlier, so a fork's
        // figure is the median of its steps and the cell's the median of all steps.
        List<Long> perFork = new ArrayList<>();
        List<Double> allSteps = new ArrayList<>();
        for (RunResult rr : memory) {
            for (BenchmarkResult br : rr.getBenchmarkResults()) {
                List<Double> steps = new ArrayList<>();
                for (IterationResult ir : br.getIterationResults()) {
                    Result r = ir.getSecondaryResults().get(method.label());
                    if (r != null) {
                        steps.add(r.getScore());
                    }
                }
                if (!steps.isEmpty()) {
                    perFork.add(Math.round(Stats.summarize(steps).median()));
                    allSteps.addAll(steps);
                }
            }
        }
        Long peak = allSteps.isEmpty() ? null : Math.round(Stats.summarize(allSteps).median());
        return new MemoryFigure(peak, perFork.isEmpty() ? null : method, perFork);
    }

    /** The memory figure of the cell: allocated (exact) on a GPU when available, else reserved; RSS on CPU. */
    private static MemoryMethod memoryMethod(CellKey key, List<RunResult> memory) {
        if (key.device() != Device.GPU) {
            return MemoryMethod.CPU_RSS_PEAK;
        }
        for (RunResult rr : memory) {
            if (rr.getSecondaryResults().containsKey(MemoryMethod.CUDA_ALLOCATED_PEAK.label())) {
                return MemoryMethod.CUDA_ALLOCATED_PEAK;
            }
        }
        return MemoryMethod.CUDA_RESERVED_PEAK;
    }

    /**
     * The paired plain step of every measured iteration ({@link PairedPlainProfiler}), in the order of the primary
     * samples; empty (never partial) when any iteration lacks one, so a pair is never misaligned.
     */
    private static List<Double> pairedPlainSamples(List<RunResult> results, int expected) {
        List<Double> out = new ArrayList<>();
        for (IterationResult ir : iterations(results)) {
            Result r = ir.getSecondaryResults().get(PairedPlainProfiler.NAME);
            if (r == null) {
                return List.of();
            }
            out.add(r.getScore());
        }
        return out.size() == expected ? out : List.of();
    }

    private static List<Double> primarySamples(List<RunResult> results) {
        return iterations(results).stream().map(ir -> ir.getPrimaryResult().getScore()).toList();
    }

    /** Every measured iteration of the runs, in order (forks, then iterations). */
    private static List<IterationResult> iterations(List<RunResult> results) {
        List<IterationResult> out = new ArrayList<>();
        for (RunResult rr : results) {
            for (BenchmarkResult br : rr.getBenchmarkResults()) {
                out.addAll(br.getIterationResults());
            }
        }
        return out;
    }

    private List<RunResult> run(CellKey key, String kind, Class<?> benchmark, String method, RunSettings counts,
            boolean memoryProfiler, boolean pairedPlain) {
        Path jmhDir = outDir.resolve("jmh");
        Path log = jmhDir.resolve(key.id() + "-" + kind + ".log");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Set<Path> hsErrBefore = Set.of();
        try {
            Files.createDirectories(jmhDir);
            hsErrBefore = hsErrFiles(jmhDir);
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
                    .shouldFailOnError(true)
                    .result(jmhDir.resolve(key.id() + "-" + kind + ".json").toString())
                    .resultFormat(ResultFormatType.JSON);
            if (memoryProfiler) {
                options.addProfiler(PeakMemoryProfiler.class);
            } else {
                options.addProfiler(TimingAllocator.class);
            }
            if (pairedPlain) {
                options.param("pairedPlain", "true").addProfiler(PairedPlainProfiler.class);
            }
            // prepend, not append: jvmArgsAppend given here would replace the benchmark's @Fork(jvmArgsAppend)
            List<String> forkArgs = forkJvmArgs(jmhDir, diagnostics, settings.threads());
            if (explicitPlan != null) {
                forkArgs.add(org.medfusion.planner.OptimalSplit.explicitPlanJvmArg(explicitPlan));
            }
            if (weights.containsKey(key.model())) {
                forkArgs.add(TrainingCell.weightsJvmArg(weights.get(key.model())));
            }
            options.jvmArgsPrepend(forkArgs.toArray(String[]::new));
            PrintStream sink = new PrintStream(new Tee(captured, console == null ? null : new WriterStream(console)), true,
                    StandardCharsets.UTF_8);
            Collection<RunResult> results = runHoldingJmhLock(new Runner(options.build(),
                    OutputFormatFactory.createFormatInstance(sink, VerboseMode.NORMAL)), key, kind);
            writeLog(log, captured);
            if (results.isEmpty()) {
                throw failure(captured.toString(StandardCharsets.UTF_8), kind, newHsErr(jmhDir, hsErrBefore));
            }
            return new ArrayList<>(results);
        } catch (RunnerException | RuntimeException | IOException e) {
            writeLog(log, captured);
            if (e instanceof CellFailure || e instanceof JmhLockTimeoutException) {
                throw (RuntimeException) e;
            }
            throw failure(captured.toString(StandardCharsets.UTF_8) + "\n" + e, kind, newHsErr(jmhDir, hsErrBefore));
        }
    }

    /**
     * Options every fork gets: its hs_err file in the run's jmh/ folder, the test crash hook when armed, the
     * diagnostic knobs of the run and its libtorch thread count ({@code threads}: null keeps libtorch's default).
     */
    static List<String> forkJvmArgs(Path jmhDir, Diagnostics diagnostics, Integer threads) {
        List<String> args = new ArrayList<>(ChildJvm.standardJvmArgs(jmhDir)); // hs_err into jmh/, forwarded settings
        args.add(org.medfusion.natives.Natives.forkJvmArg()); // the parent's native fallback decision (-Dmedfusion.onednn)
        String hook = ForkCrashHook.forkOption();
        if (hook != null) {
            args.add(hook);
        }
        args.addAll(diagnostics.jvmArgs());
        if (threads != null) {
            args.add(MeasureSettings.threadsJvmArg(threads));
        }
        return args;
    }

    /**
     * Runs JMH, waiting while another process holds JMH's machine-wide lock (JMH itself gives up at once with
     * "Unable to acquire the JMH lock"). Says once on the console that it waits, and for what.
     */
    private Collection<RunResult> runHoldingJmhLock(Runner runner, CellKey key, String kind) throws RunnerException {
        long deadline = System.nanoTime() + lockTimeout.toNanos();
        boolean announced = false;
        while (true) {
            try {
                return runner.run();
            } catch (RunnerException e) {
                if (e.getMessage() == null || !e.getMessage().contains(JMH_LOCK_BUSY)) {
                    throw e;
                }
                if (System.nanoTime() >= deadline) {
                    throw new JmhLockTimeoutException("JMH's machine-wide lock " + jmhLockFile() + " is still held by another"
                            + " process after " + lockTimeout.toSeconds() + " s (--lock-timeout); nothing was written for "
                            + key.id() + ", re-run to resume");
                }
                if (!announced && notices != null) {
                    notices.println("waiting for JMH's machine-wide lock " + jmhLockFile() + " (another JMH run holds it) before the "
                            + kind + " run of " + key.id() + "; giving up after " + lockTimeout.toSeconds() + " s (--lock-timeout)");
                    notices.flush();
                }
                announced = true;
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new JmhLockTimeoutException("interrupted while waiting for JMH's lock " + jmhLockFile());
                }
            }
        }
    }

    private static Set<Path> hsErrFiles(Path jmhDir) {
        try (Stream<Path> files = Files.list(jmhDir)) {
            return Set.copyOf(files.filter(f -> f.getFileName().toString().startsWith("hs_err_")).toList());
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** The hs_err file a crashed fork of this run wrote (the newest new one), or null. */
    private static Path newHsErr(Path jmhDir, Set<Path> before) {
        return hsErrFiles(jmhDir).stream().filter(f -> !before.contains(f))
                .max((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified())).orElse(null);
    }

    private static void writeLog(Path log, ByteArrayOutputStream captured) {
        try {
            Files.write(log, captured.toByteArray());
        } catch (IOException ignored) {
            // the log is a convenience; the result carries the message
        }
    }

    static CellFailure failure(String output, String kind) {
        return failure(output, kind, null);
    }

    /** The native crash of the last cell this measurer measured, when one of its forks died from a signal. */
    public Optional<HsErrReport> lastCrash() {
        return Optional.ofNullable(lastCrash);
    }

    /**
     * Classifies a failed JMH run from its console output and the hs_err file of a crashed fork (may be null):
     * OOM on evidence of out-of-memory, CRASH when a fork died from a signal, ERROR otherwise.
     */
    static CellFailure failure(String output, String kind, Path hsErr) {
        String hs = "";
        if (hsErr != null) {
            try {
                hs = Files.readString(hsErr, StandardCharsets.ISO_8859_1);
            } catch (IOException ignored) {
                // classified from the output alone
            }
        }
        if (OOM.matcher(output).find() || OOM.matcher(hs).find()) {
            return new CellFailure(CellStatus.OOM, "out of memory in the " + kind + " run", null);
        }
        Matcher exit = FORK_EXIT.matcher(output);
        int exitCode = exit.find() ? Integer.parseInt(exit.group(1)) : 0;
        if (exitCode > 128 || !hs.isEmpty()) {
            HsErrReport crash = HsErrReport.parse(hs, exitCode);
            return new CellFailure(CellStatus.CRASH, crashMessage(kind, exitCode, crash, hsErr), crash);
        }
        Matcher m = EXCEPTION.matcher(output);
        String message = m.find() ? m.group(1) + ": " + m.group(2) : "the " + kind + " run failed (see its log under jmh/)";
        return new CellFailure(CellStatus.ERROR, message.strip().replace('\n', ' '), null);
    }

    /** "SIGFPE in the memory run at libtorch_cpu.so dnnl::...() (exit code 134; hs_err: jmh/hs_err_123.log)". */
    private static String crashMessage(String kind, int exitCode, HsErrReport crash, Path hsErr) {
        StringBuilder m = new StringBuilder(crash.signal()).append(" in the ").append(kind).append(" run");
        if (crash.frame() != null) {
            m.append(" at ").append(crash.frame());
        }
        m.append(" (");
        if (exitCode > 0) {
            m.append("exit code ").append(exitCode);
        }
        if (hsErr != null) {
            m.append(exitCode > 0 ? "; " : "").append("hs_err: jmh/").append(hsErr.getFileName());
        } else if (exitCode == 137) {
            m.append("; killed, no out-of-memory evidence");
        }
        return m.append(')').toString();
    }

    static final class CellFailure extends RuntimeException {
        final CellStatus status;
        final HsErrReport crash;

        CellFailure(CellStatus status, String message, HsErrReport crash) {
            super(message);
            this.status = status;
            this.crash = crash;
        }
    }

    /** Bytes to a writer, decoded as UTF-8 line by line (and on flush): JMH's progress to the command's err stream. */
    private static final class WriterStream extends OutputStream {
        private final PrintWriter writer;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        WriterStream(PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int c) {
            line.write(c);
            if (c == '\n') {
                flush();
            }
        }

        @Override
        public void flush() {
            if (line.size() > 0) {
                writer.write(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
            writer.flush();
        }
    }

    /** Writes to a buffer and, when given, to the console too. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            if (b != null) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            if (b != null) {
                b.write(buf, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            if (b != null) {
                b.flush();
            }
        }
    }
}
