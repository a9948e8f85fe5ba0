package org.medfusion.bench;

import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Reports, as the secondary result {@value #NAME} of each single-shot iteration, the time of the plain step that
 * {@link TrainingCell} ran (untimed by JMH) in the iteration's setup, just before the measured checkpointed step
 * ({@code -p pairedPlain=true}).
 *
 * <p>Why: a checkpointed cell's slowdown was the ratio of medians from two timing forks run minutes apart, so a
 * fork's speed (where its threads landed, what else ran, the machine's load drifting) entered the ratio twice. A
 * plain step run in the same fork right before each checkpointed step shares all of that, and the per-step ratio
 * cancels it: the regression gate's time-ratio check uses these pairs when both runs have them.
 * Usage: {@code -prof org.medfusion.bench.PairedPlainProfiler -p pairedPlain=true}.
 */
public final class PairedPlainProfiler implements InternalProfiler {

    public static final String NAME = "paired.plain.ms";

    private static volatile double lastPlainMs = Double.NaN;

    /** Called by the cell after it timed the plain step of this iteration. */
    static void record(double plainMs) {
        lastPlainMs = plainMs;
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        double ms = lastPlainMs;
        lastPlainMs = Double.NaN;
        return Double.isNaN(ms) ? List.of() : List.of(new ScalarResult(NAME, ms, "ms", AggregationPolicy.AVG));
    }

    @Override
    public String getDescription() {
        return "Time of the plain step run just before each checkpointed step in the same fork (paired slowdown)";
    }
}
