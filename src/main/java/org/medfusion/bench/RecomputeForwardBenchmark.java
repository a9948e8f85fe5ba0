package org.medfusion.bench;

import java.util.concurrent.TimeUnit;
import org.medfusion.platform.MeasuringJvm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time of the forward, with grad, of the segments a checkpointed step recomputes (segments
 * 0..S-2): the floor of checkpointing's slowdown. The report divides the measured slowdown by it
 * (recompute overhead; near 1.0 means the extra time is the recompute and nothing else).
 * Meaningful only for cells with 2 or more segments.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = MeasureSettings.RECOMPUTE_WARMUP, batchSize = MeasureSettings.STEPS_PER_ITERATION)
@Measurement(iterations = MeasureSettings.RECOMPUTE_ITERATIONS, batchSize = MeasureSettings.STEPS_PER_ITERATION)
@Fork(value = MeasureSettings.RECOMPUTE_FORKS, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch", "-XX:MaxDirectMemorySize=1g", "-Dai.djl.offline=true",
    MeasuringJvm.C1_ONLY, MeasuringJvm.SERIAL_GC})
public class RecomputeForwardBenchmark {

    @Benchmark
    public float forward(TrainingCell cell) {
        return cell.recomputedForward();
    }
}
