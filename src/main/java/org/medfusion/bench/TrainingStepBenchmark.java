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
 * Time of one full training step (forward, cross-entropy, backward with recompute when
 * checkpointing is on, AdamW update, gradients zeroed) of the cell's model, batch, resolution and
 * segment count. Single-shot: each iteration is exactly one step, so the per-iteration samples
 * are step times and a memory profiler's per-iteration figure is the peak of one step. The
 * annotations serve a direct JMH run and name {@link MeasureSettings}' defaults (JMH's single-shot
 * defaults, no warmup and one measurement, would measure a cold first step); the tool's own runs set
 * the same through {@link MeasureSettings#jmhOptions}.
 *
 * <p>{@code java -jar target/benchmarks.jar TrainingStepBenchmark -p model=resnet50 -p segments=0,4}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = MeasureSettings.TIME_WARMUP, batchSize = MeasureSettings.STEPS_PER_ITERATION)
@Measurement(iterations = MeasureSettings.TIME_ITERATIONS, batchSize = MeasureSettings.STEPS_PER_ITERATION)
@Fork(value = MeasureSettings.TIME_FORKS, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch", "-XX:MaxDirectMemorySize=1g", "-Dai.djl.offline=true",
    MeasuringJvm.C1_ONLY, MeasuringJvm.SERIAL_GC})
public class TrainingStepBenchmark {

    @Benchmark
    public float step(TrainingCell cell) {
        return cell.trainingStep();
    }
}
