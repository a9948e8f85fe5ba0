package org.medfusion.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * {@link MeasureSettings} is the one source of the JMH settings: the options of the tool's runs come from it, and the
 * benchmarks' annotations (what a direct JMH run uses) say the same.
 */
class MeasureSettingsTest {

    @Test
    void theBenchmarksAnnotationsAreTheDefaultTimingSettings() {
        for (Class<?> benchmark : List.of(TrainingStepBenchmark.class, RecomputeForwardBenchmark.class)) {
            String name = benchmark.getSimpleName();
            RunSettings timing = benchmark == RecomputeForwardBenchmark.class ? MeasureSettings.defaults().recompute()
                    : MeasureSettings.defaults().timing();
            assertEquals(List.of(MeasureSettings.MODE), List.of(benchmark.getAnnotation(BenchmarkMode.class).value()), name);
            assertEquals(MeasureSettings.TIME_UNIT, benchmark.getAnnotation(OutputTimeUnit.class).value(), name);
            Warmup w = benchmark.getAnnotation(Warmup.class);
            assertEquals(timing.warmup(), w.iterations(), name);
            assertEquals(MeasureSettings.STEPS_PER_ITERATION, w.batchSize(), name);
            Measurement m = benchmark.getAnnotation(Measurement.class);
            assertEquals(timing.iterations(), m.iterations(), name);
            assertEquals(MeasureSettings.STEPS_PER_ITERATION, m.batchSize(), name);
            assertEquals(timing.forks(), benchmark.getAnnotation(Fork.class).value(), name);
        }
    }

    @Test
    void theRecomputeForkNeverRunsFewerThanItsOwnCounts() {
        RunSettings cut = new MeasureSettings(new RunSettings(1, 5, 1), new RunSettings(1, 2, 1)).recompute();
        assertEquals(new RunSettings(MeasureSettings.RECOMPUTE_WARMUP, MeasureSettings.RECOMPUTE_ITERATIONS,
                MeasureSettings.RECOMPUTE_FORKS), cut);
        RunSettings more = new MeasureSettings(new RunSettings(12, 20, 5), new RunSettings(1, 2, 1)).recompute();
        assertEquals(new RunSettings(12, 20, 5), more);
    }

    @Test
    void aRunsOptionsCarryItsCounts() {
        Options o = MeasureSettings.jmhOptions(new OptionsBuilder(), new RunSettings(2, 7, 3)).build();
        assertEquals(MeasureSettings.MODE, o.getBenchModes().iterator().next());
        assertEquals(MeasureSettings.TIME_UNIT, o.getTimeUnit().get());
        assertEquals(2, o.getWarmupIterations().get());
        assertEquals(7, o.getMeasurementIterations().get());
        assertEquals(MeasureSettings.STEPS_PER_ITERATION, o.getWarmupBatchSize().get());
        assertEquals(MeasureSettings.STEPS_PER_ITERATION, o.getMeasurementBatchSize().get());
        assertEquals(3, o.getForkCount().get());
    }
}
