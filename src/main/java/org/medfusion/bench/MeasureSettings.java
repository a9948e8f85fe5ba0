package org.medfusion.bench;

/**
 * Iteration counts of one cell's measurement. Time and memory run in separate forks: memory forks
 * run with settings that slow steps (see {@link PeakMemoryProfiler}).
 *
 * @param timing timing forks: warm-up (0 or more), measured steps (at least 6 for a 95% CI of the median), forks
 * @param memory memory forks: warm-up (1 or more: the first steps create gradients and optimizer state), measured
 *     steps, forks (2 or more shows whether the figure reproduces)
 */
public record MeasureSettings(RunSettings timing, RunSettings memory) {

    public MeasureSettings {
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
        return new MeasureSettings(new RunSettings(5, 10, 1), new RunSettings(2, 3, 2));
    }

    public MeasureSettings withTiming(RunSettings value) {
        return new MeasureSettings(value, memory);
    }

    public MeasureSettings withMemory(RunSettings value) {
        return new MeasureSettings(timing, value);
    }

    public int timeWarmup() {
        return timing.warmup();
    }

    public int timeIterations() {
        return timing.iterations();
    }

    public int timeForks() {
        return timing.forks();
    }

    public int memoryWarmup() {
        return memory.warmup();
    }

    public int memoryIterations() {
        return memory.iterations();
    }

    public int memoryForks() {
        return memory.forks();
    }
}
