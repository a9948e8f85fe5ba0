package org.medfusion.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.medfusion.results.Device;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * JMH profiler reporting the peak memory of each single-shot iteration (one training step) above the memory in use
 * just before it, one secondary result per {@link MemoryProbe} of the fork's device that can measure there
 * ({@link MemoryProbes#create()}: {@code cpu.rss.peak}, {@code cpu.malloc.peak}, {@code cuda.reserved.peak},
 * {@code cuda.allocated.peak}), aggregated with MAX. The fork starts with the environment its probes need.
 * Usage: {@code -prof org.medfusion.bench.PeakMemoryProfiler}.
 */
public final class PeakMemoryProfiler extends ForkEnvironmentProfiler implements InternalProfiler {

    public static final String CPU_RSS = CpuRssProbe.NAME;
    public static final String CPU_MALLOC = CpuMallocProbe.NAME;
    public static final String CUDA_RESERVED = CudaReservedProbe.NAME;
    public static final String CUDA_ALLOCATED = CudaAllocatedProbe.NAME;
    public static final String CUDA_RESERVED_STEADY = CudaReservedProbe.STEADY_NAME;
    public static final String CUDA_ALLOCATED_STEADY = CudaAllocatedProbe.STEADY_NAME;
    /** System property (launcher side) naming the allocation counter library to preload. */
    public static final String COUNTER_PROPERTY = CpuMallocProbe.COUNTER_PROPERTY;

    /** The probes measuring in this fork, opened before the first step. */
    private List<MemoryProbe> active;

    private static Device device(BenchmarkParams params) {
        return "gpu".equals(params.getParam("device")) ? Device.GPU : Device.CPU;
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        if (active == null) {
            active = new ArrayList<>();
            for (MemoryProbe p : MemoryProbes.forDevice(device(benchmarkParams))) {
                if (p.open()) {
                    active.add(p);
                }
            }
        }
        for (MemoryProbe p : active) {
            p.beforeStep();
        }
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        List<Result> out = new ArrayList<>();
        for (MemoryProbe p : active) {
            out.add(new ScalarResult(p.name(), p.afterStep(), p.unit(), AggregationPolicy.MAX));
            if (p.steadyName() != null) {
                out.add(new ScalarResult(p.steadyName(), p.steadyBytes(), p.unit(), AggregationPolicy.MAX));
            }
        }
        return out;
    }

    @Override
    List<String> forkEnvironment(BenchmarkParams params) {
        List<String> env = new ArrayList<>();
        for (MemoryProbe p : MemoryProbes.forDevice(device(params))) {
            env.addAll(p.forkEnvironment());
        }
        return env;
    }

    @Override
    public String getDescription() {
        return "Peak memory of each single-shot iteration: " + String.join(" / ", MemoryProbes.create().stream().map(MemoryProbe::name).toList());
    }
}
