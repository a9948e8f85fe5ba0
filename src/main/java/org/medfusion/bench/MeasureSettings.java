package org.medfusion.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;

/**
 * Iteration counts of one cell's measurement, and the one source of the JMH settings of every measuring run
 * ({@link #jmhOptions}): the benchmarks' annotations, which serve a direct {@code java -jar benchmarks.jar
 * TrainingStepBenchmark} run, name these constants (and a test holds their mode and unit equal). Time and memory run
 * in separate forks: memory forks run with settings that slow steps (see {@link PeakMemoryProfiler}).
 *
 * @param timing timing forks: warm-up (0 or more), measured steps (at least 6 for a 95% CI of the median), forks
 * @param memory memory forks: warm-up (1 or more: the first steps create gradients and optimizer state), measured
 *     steps, forks (2 or more shows whether the figure reproduces)
 * @param threads libtorch intra-op threads of every measuring fork, or null for libtorch's default (one per core, or
 *     what {@code OMP_NUM_THREADS} in the environment says). On a small shared VM one thread steadies step times a lot
 *     (idle 2-core VM, zoo-cpu back to back: 14 of 16 cells at CV <= 5 % with 1 thread, 8 of 16 with 2, at 1.2-1.9x
 *     the step time); the checkpointed/plain ratio barely moves (within 0.3-3 % per family)
 * @param memoryOnly memory forks only (a config's {@code timing: off}): every step time, paired ratio and recompute time
 *     of the run is missing, never estimated. For runs whose steps take so long that timing them does not fit the
 *     machine's time (the seed's 224 px table on a 2-core CPU), where memory is the figure wanted first
 */
public record MeasureSettings(RunSettings timing, RunSettings memory, Integer threads, boolean memoryOnly) {

    /**
     * Single-shot: each iteration is exactly one training step, so the per-iteration samples are step times and a
     * memory profiler's per-iteration figure is the peak of one step.
     */
    public static final Mode MODE = Mode.SingleShotTime;

    /** Step times are in milliseconds. */
    public static final TimeUnit TIME_UNIT = TimeUnit.MILLISECONDS;

    /** Training steps per JMH iteration (warm-up and measured). */
    public static final int STEPS_PER_ITERATION = 1;

    /** Default warm-up steps of a timing fork ({@link #defaults()}). */
    public static final int TIME_WARMUP = 5;

    /** Default measured steps of a timing fork. */
    public static final int TIME_ITERATIONS = 10;

    /** Default timing forks. */
    public static final int TIME_FORKS = 1;

    /** Least warm-up calls of a recompute-forward fork ({@link #recompute()}). */
    public static final int RECOMPUTE_WARMUP = 10;

    /** Least measured calls of a recompute-forward fork. */
    public static final int RECOMPUTE_ITERATIONS = 10;

    /** Least forks that time the recomputed forward; the figure is the median of the forks' medians. */
    public static final int RECOMPUTE_FORKS = 3;

    /**
     * Counts of the forks that time the recomputed forward alone: the timing counts, but never fewer than
     * {@link #RECOMPUTE_WARMUP} + {@link #RECOMPUTE_ITERATIONS} calls in each of {@link #RECOMPUTE_FORKS} forks. That forward is a fraction of a step, so these cost
     * little where the step's own counts are cut down, and fewer mislead: in a fresh fork the first calls run slow
     * (ViT-B/16 b8 112 px, 3 blocks recomputed, idle 2-core VM: 191-199, 146-154, then 109-143 ms, median 115-119), and
     * a sweep's 1 + 5 calls had measured such plans 20-34 % above the profile's prediction; 5 + 10 put them within 5 %.
     * A short recompute settles later (ResNet-50 b16 112 px, 2 blocks, 18 ms: 51, 63, 30, 23, 24 ms, still 19-38 ms over
     * the next 10 calls), hence 10 warm-up calls. Three forks because one fork's median moves with the fork: in a
     * ResNet-50 b16 112 px budget sweep with one recompute fork per plan, 4 of 16 plans read 13-45 % above the profile's
     * prediction and the rest within -12..+3.5 %, with no pattern in which blocks they recomputed (idle 2-core VM).
     */
    public RunSettings recompute() {
        return new RunSettings(Math.max(timing.warmup(), RECOMPUTE_WARMUP), Math.max(timing.iterations(), RECOMPUTE_ITERATIONS),
                Math.max(timing.forks(), RECOMPUTE_FORKS));
    }

    /** The JMH options of a run with the given counts: {@link #MODE}, {@link #TIME_UNIT}, warm-up, measurement, forks. */
    public static ChainedOptionsBuilder jmhOptions(ChainedOptionsBuilder options, RunSettings counts) {
        return options.mode(MODE).timeUnit(TIME_UNIT)
                .warmupIterations(counts.warmup()).warmupBatchSize(STEPS_PER_ITERATION)
                .measurementIterations(counts.iterations()).measurementBatchSize(STEPS_PER_ITERATION)
                .forks(counts.forks());
    }

    /** Settings with libtorch's default thread count. */
    public MeasureSettings(RunSettings timing, RunSettings memory) {
        this(timing, memory, null);
    }

    /** Settings that measure memory and time. */
    public MeasureSettings(RunSettings timing, RunSettings memory, Integer threads) {
        this(timing, memory, threads, false);
    }

    public MeasureSettings {
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        check("timing warmup", timing.warmup(), 0);
        check("timing iterations", timing.iterations(), 1);
        check("timing forks", timing.forks(), 1);
        check("memory warmup", memory.warmup(), 1);
        check("memory iterations", memory.iterations(), 1);
        check("memory forks", memory.forks(), 1);
    }

    private static void check(String what, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be >= " + min + ", got " + value);
        }
    }

    /**
     * CPU defaults: 5 + 10 timed steps in one fork, 2 + 3 memory steps in each of 2 forks. Five warm-up steps: with
     * three, ResNet-50 b16 112 px's first measured step was still the slowest (981 ms against 814-904 ms, which alone
     * lifted the cell's CV from 3.6 % to 5.4 %); with five, 871-909 ms, CV 1.6 % (idle 2-core VM).
     */
    public static MeasureSettings defaults() {
        return new MeasureSettings(new RunSettings(TIME_WARMUP, TIME_ITERATIONS, TIME_FORKS), new RunSettings(2, 3, 2));
    }

    public MeasureSettings withTiming(RunSettings value) {
        return new MeasureSettings(value, memory, threads, memoryOnly);
    }

    public MeasureSettings withMemory(RunSettings value) {
        return new MeasureSettings(timing, value, threads, memoryOnly);
    }

    /** @param value intra-op threads per fork, null for libtorch's default */
    public MeasureSettings withThreads(Integer value) {
        return new MeasureSettings(timing, memory, value, memoryOnly);
    }

    /** @param value true: memory forks only, every time figure missing */
    public MeasureSettings withMemoryOnly(boolean value) {
        return new MeasureSettings(timing, memory, threads, value);
    }

    /**
     * The fork option that sets {@code threads} libtorch intra-op threads (DJL applies it when the engine starts), or
     * null (libtorch's default) for null.
     */
    public static String threadsJvmArg(Integer threads) {
        return threads == null ? null : "-D" + THREADS_PROPERTY + "=" + threads;
    }

    /** DJL's system property for {@code torch.set_num_threads}, read when the PyTorch engine starts. */
    public static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
}
