package org.medfusion.bench;

/**
 * Iteration counts of one cell's measurement. Time and memory run in separate forks: memory forks
 * run with settings that slow steps (see {@link PeakMemoryProfiler}). Each iteration is one
 * training step.
 *
 * @param timeWarmup warm-up steps per timing fork (not recorded)
 * @param timeIterations measured steps per timing fork (at least 6 for a 95% CI of the median)
 * @param timeForks timing forks
 * @param memoryWarmup warm-up steps per memory fork (the first steps create gradients and optimizer state)
 * @param memoryIterations measured steps per memory fork
 * @param memoryForks memory forks (2 or more shows whether the figure reproduces)
 */
public record MeasureSettings(int timeWarmup, int timeIterations, int timeForks, int memoryWarmup, int memoryIterations,
        int memoryForks) {

    public MeasureSettings {
        check("timing warmup", timeWarmup, 0);
        check("timing iterations", timeIterations, 1);
        check("timing forks", timeForks, 1);
        check("memory warmup", memoryWarmup, 1);
        check("memory iterations", memoryIterations, 1);
        check("memory forks", memoryForks, 1);
    }

    private static void check(String what, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be >= " + min + ", got " + value);
        }
    }

    /** CPU defaults: 3 + 10 timed steps in one fork, 2 + 3 memory steps in each of 2 forks. */
    public static MeasureSettings defaults() {
        return new MeasureSettings(3, 10, 1, 2, 3, 2);
    }
}
