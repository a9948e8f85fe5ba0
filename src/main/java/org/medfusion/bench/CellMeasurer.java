package org.medfusion.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.results.CellKey;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Stats;
import org.openjdk.jmh.annotations.Mode;
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
 * time in timing forks, and (for 2+ segments) the forward time of the recomputed segments.
 * Each run's JMH JSON and console log are kept under {@code <outDir>/jmh/}. An out-of-memory is a
 * result (status OOM), any other failure a result with status ERROR and its message; nothing
 * thrown by a fork escapes.
 */
public final class CellMeasurer {

    private static final Pattern OOM = Pattern.compile(
            "OutOfMemoryError|out of memory|not enough memory|DefaultCPUAllocator: can't allocate|exit code 137|CUDA error: out of memory",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern EXCEPTION = Pattern.compile("^(?:Caused by: )?([\\w.$]+(?:Exception|Error)): (.+)$", Pattern.MULTILINE);

    private final MeasureSettings settings;
    private final Path outDir;
    private final PrintStream console;

    /**
     * @param outDir where JMH JSON and logs go ({@code jmh/} below it)
     * @param console where JMH's progress is echoed (null: only to the log file)
     */
    public CellMeasurer(MeasureSettings settings, Path outDir, PrintStream console) {
        this.settings = settings;
        this.outDir = outDir;
        this.console = console;
    }

    public CellResult measure(CellKey key) {
        String family;
        try {
            CellValidation.validate(key);
            family = BackboneRegistry.spec(key.model()).family();
        } catch (IllegalArgumentException e) {
            return CellResult.failed(key, "", CellStatus.ERROR, e.getMessage());
        }
        if (key.precision() == Precision.AMP) {
            return CellResult.failed(key, family, CellStatus.UNSUPPORTED,
                    "mixed precision is not measured: DJL 0.36 exposes no autocast or gradient scaler");
        }
        if (key.device() == Device.GPU && !CudaMemory.hasGpu()) {
            return CellResult.failed(key, family, CellStatus.UNSUPPORTED, "no CUDA GPU visible to this build (see README: GPU build)");
        }
        try {
            List<RunResult> memory = run(key, "memory", TrainingStepBenchmark.class, "step",
                    settings.memoryWarmup(), settings.memoryIterations(), settings.memoryForks(), true);
            String method = memoryMethod(key, memory);
            // Each iteration is one step's peak. The JVM occasionally maps memory of its own during a
            // step (JIT code cache, metaspace), which shows in RSS as a one-off outlier, so a fork's
            // figure is the median of its steps and the cell's the median of all steps.
            List<Long> perFork = new ArrayList<>();
            List<Double> allSteps = new ArrayList<>();
            for (RunResult rr : memory) {
                for (BenchmarkResult br : rr.getBenchmarkResults()) {
                    List<Double> steps = new ArrayList<>();
                    for (IterationResult ir : br.getIterationResults()) {
                        Result r = ir.getSecondaryResults().get(method);
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
            List<Double> samples = primarySamples(run(key, "time", TrainingStepBenchmark.class, "step",
                    settings.timeWarmup(), settings.timeIterations(), settings.timeForks(), false));
            Stats.Summary time = Stats.summarize(samples);
            Double recompute = null;
            if (key.segments() >= 2) {
                List<Double> fwd = primarySamples(run(key, "recompute", RecomputeForwardBenchmark.class, "forward",
                        settings.timeWarmup(), settings.timeIterations(), settings.timeForks(), false));
                recompute = Stats.summarize(fwd).median();
            }
            return new CellResult(key, family, CellStatus.OK, peak,
                    perFork.isEmpty() ? null : method, perFork, samples, time.median(), time.ciLow(), time.ciHigh(), recompute, null);
        } catch (CellFailure f) {
            return CellResult.failed(key, family, f.status, f.getMessage());
        }
    }

    /** The memory figure of the cell: allocated (exact) on a GPU when available, else reserved; RSS on CPU. */
    private static String memoryMethod(CellKey key, List<RunResult> memory) {
        if (key.device() != Device.GPU) {
            return PeakMemoryProfiler.CPU_RSS;
        }
        for (RunResult rr : memory) {
            if (rr.getSecondaryResults().containsKey(PeakMemoryProfiler.CUDA_ALLOCATED)) {
                return PeakMemoryProfiler.CUDA_ALLOCATED;
            }
        }
        return PeakMemoryProfiler.CUDA_RESERVED;
    }

    private static List<Double> primarySamples(List<RunResult> results) {
        List<Double> out = new ArrayList<>();
        for (RunResult rr : results) {
            for (BenchmarkResult br : rr.getBenchmarkResults()) {
                for (IterationResult ir : br.getIterationResults()) {
                    out.add(ir.getPrimaryResult().getScore());
                }
            }
        }
        return out;
    }

    private List<RunResult> run(CellKey key, String kind, Class<?> benchmark, String method, int warmup, int iterations,
            int forks, boolean memoryProfiler) {
        Path jmhDir = outDir.resolve("jmh");
        Path log = jmhDir.resolve(key.id() + "-" + kind + ".log");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            Files.createDirectories(jmhDir);
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include(Pattern.quote(benchmark.getName()) + "\\." + method + "$")
                    .param("model", key.model())
                    .param("batch", Integer.toString(key.batch()))
                    .param("res", Integer.toString(key.res()))
                    .param("segments", Integer.toString(key.segments()))
                    .param("split", key.split().label())
                    .param("precision", key.precision().label())
                    .param("device", key.device().label())
                    .mode(Mode.SingleShotTime)
                    .timeUnit(TimeUnit.MILLISECONDS)
                    .warmupIterations(warmup).warmupBatchSize(1)
                    .measurementIterations(iterations).measurementBatchSize(1)
                    .forks(forks)
                    .shouldFailOnError(true)
                    .result(jmhDir.resolve(key.id() + "-" + kind + ".json").toString())
                    .resultFormat(ResultFormatType.JSON);
            if (memoryProfiler) {
                options.addProfiler(PeakMemoryProfiler.class);
            }
            PrintStream sink = new PrintStream(new Tee(captured, console), true, StandardCharsets.UTF_8);
            Collection<RunResult> results = new Runner(options.build(),
                    OutputFormatFactory.createFormatInstance(sink, VerboseMode.NORMAL)).run();
            writeLog(log, captured);
            if (results.isEmpty()) {
                throw failure(captured.toString(StandardCharsets.UTF_8), kind);
            }
            return new ArrayList<>(results);
        } catch (RunnerException | RuntimeException | IOException e) {
            writeLog(log, captured);
            if (e instanceof CellFailure) {
                throw (CellFailure) e;
            }
            throw failure(captured.toString(StandardCharsets.UTF_8) + "\n" + e, kind);
        }
    }

    private static void writeLog(Path log, ByteArrayOutputStream captured) {
        try {
            Files.write(log, captured.toByteArray());
        } catch (IOException ignored) {
            // the log is a convenience; the result carries the message
        }
    }

    static CellFailure failure(String output, String kind) {
        if (OOM.matcher(output).find()) {
            return new CellFailure(CellStatus.OOM, "out of memory in the " + kind + " run");
        }
        Matcher m = EXCEPTION.matcher(output);
        String message = m.find() ? m.group(1) + ": " + m.group(2) : "the " + kind + " run failed (see its log under jmh/)";
        return new CellFailure(CellStatus.ERROR, message.strip().replace('\n', ' '));
    }

    static final class CellFailure extends RuntimeException {
        final CellStatus status;

        CellFailure(CellStatus status, String message) {
            super(message);
            this.status = status;
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
