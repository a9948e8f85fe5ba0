package org.medfusion.bench;

import java.util.concurrent.TimeUnit;
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
 * defaults below are explicit because JMH's single-shot defaults (no warmup, one measurement)
 * would measure a cold first step.
 *
 * <p>{@code java -jar target/benchmarks.jar TrainingStepBenchmark -p model=resnet50 -p segments=0,4}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, batchSize = 1)
@Measurement(iterations = 10, batchSize = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch", "-XX:MaxDirectMemorySize=1g", "-Dai.djl.offline=true",
    ForkJvm.C1_ONLY, ForkJvm.SERIAL_GC})
public class TrainingStepBenchmark {

    @Benchmark
    public float step(TrainingCell cell) {
        return cell.trainingStep();
    }
}
