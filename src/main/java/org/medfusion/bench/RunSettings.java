package org.medfusion.bench;

/**
 * Iteration counts of one kind of fork (timing or memory): each iteration is one training step.
 *
 * @param warmup warm-up steps per fork (not recorded)
 * @param iterations measured steps per fork
 * @param forks forked JVMs
 */
public record RunSettings(int warmup, int iterations, int forks) {

    public RunSettings withWarmup(int value) {
        return new RunSettings(value, iterations, forks);
    }

    public RunSettings withIterations(int value) {
        return new RunSettings(warmup, value, forks);
    }

    public RunSettings withForks(int value) {
        return new RunSettings(warmup, iterations, value);
    }
}
