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
 * Reports, as a secondary result of each single-shot iteration, the time of the reference that {@link TrainingCell}
 * ran (untimed by JMH) in the iteration's setup, just before the measured call: a {@link Reference}.
 *
 * <p>Why: a figure compared across forks run minutes apart carries each fork's speed (where its threads landed, what
 * else ran, the machine's load drifting). A reference run in the same fork right before each measured call shares
 * all of that, and the ratio cancels it: the regression gate's time-ratio check uses the paired plain steps when both
 * runs have them; a budget sweep compares a predicted recompute with the measured one at the speed of the profile.
 * Usage: {@code -prof org.medfusion.bench.PairedReferenceProfiler -p pairedPlain=true} (or {@code pairedChain=true}).
 */
public final class PairedReferenceProfiler implements InternalProfiler {

    /** What the cell ran before each measured call, and the secondary result's name. */
    public enum Reference {
        /** A plain training step before each checkpointed step ({@code pairedPlain}). */
        PLAIN_STEP("paired.plain.ms"),
        /** The whole chain's forward with grad before each recompute ({@code pairedChain}, budget sweeps). */
        CHAIN_FORWARD("paired.chain.ms");

        private final String resultName;

        Reference(String resultName) {
            this.resultName = resultName;
        }

        public String resultName() {
            return resultName;
        }
    }

    /** A reference's time in this iteration. */
    private record Timed(Reference reference, double ms) {
    }

    private static volatile Timed last;

    /** Called by the cell after it timed the reference of this iteration. */
    static void record(Reference reference, double ms) {
        last = new Timed(reference, ms);
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        Timed t = last;
        last = null;
        return t == null ? List.of() : List.of(new ScalarResult(t.reference().resultName(), t.ms(), "ms", AggregationPolicy.AVG));
    }

    @Override
    public String getDescription() {
        return "Time of the reference (a plain step, or the whole chain's forward) run just before each measured call in the same fork";
    }
}
