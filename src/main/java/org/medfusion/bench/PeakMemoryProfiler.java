package org.medfusion.bench;

import java.io.File;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.ExternalProfiler;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * JMH profiler reporting the peak memory of each single-shot iteration (one training step) above
 * the memory in use just before it, as secondary results aggregated with MAX:
 * <ul>
 *   <li>{@code cpu.rss.peak} (device cpu): {@code VmHWM} after the step minus {@code VmRSS} before
 *       it, the high-water mark reset via {@code /proc/self/clear_refs}. The fork runs with
 *       {@code MALLOC_MMAP_THRESHOLD_=65536} so glibc returns large freed blocks to the OS at once
 *       (otherwise reuse hides most of the growth) and with a fixed, pre-touched heap so the JVM
 *       does not grow during the step. That setting slows steps, so never time in these forks.</li>
 *   <li>{@code cpu.malloc.peak}: when the launcher sets {@code -Dmedfusion.allocCounter=<lib.so>},
 *       the fork preloads that allocation counter and this is its high-water mark of live malloc
 *       bytes above the pre-step value: the cross-check of {@code cpu.rss.peak}.</li>
 *   <li>{@code cuda.reserved.peak} (device gpu): device used bytes after minus before the step,
 *       PyTorch's cache emptied before it.</li>
 *   <li>{@code cuda.allocated.peak} (device gpu): the fork runs with
 *       {@code PYTORCH_CUDA_ALLOC_CONF=backend:cudaMallocAsync}; the CUDA driver's default pool
 *       used-memory high-water mark minus its pre-step value.</li>
 * </ul>
 * Usage: {@code -prof org.medfusion.bench.PeakMemoryProfiler}.
 */
public final class PeakMemoryProfiler implements InternalProfiler, ExternalProfiler {

    public static final String CPU_RSS = "cpu.rss.peak";
    public static final String CPU_MALLOC = "cpu.malloc.peak";
    public static final String CUDA_RESERVED = "cuda.reserved.peak";
    public static final String CUDA_ALLOCATED = "cuda.allocated.peak";
    /**
     * Not figures of the cell, but what the step's peaks are measured above (for cross-checks such as
     * {@code org.medfusion.gpu.ProbeCrossCheck}): device used bytes, and the pool's allocated bytes, just
     * before the step (weights, gradients, optimizer state, the input batch; the device figure also holds
     * the CUDA context).
     */
    public static final String CUDA_RESERVED_STEADY = "cuda.reserved.steady";
    public static final String CUDA_ALLOCATED_STEADY = "cuda.allocated.steady";
    public static final String UNIT = "bytes";
    /** System property (launcher side) naming the allocation counter library to preload. */
    public static final String COUNTER_PROPERTY = "medfusion.allocCounter";

    private long rssBefore;
    private long counterBefore;
    private long deviceUsedBefore;
    private long poolUsedBefore;
    private AllocationCounter counter;
    private CudaMemory.DefaultPool pool;
    private boolean poolTried;

    private static boolean gpu(BenchmarkParams params) {
        return "gpu".equals(params.getParam("device"));
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        if (gpu(benchmarkParams)) {
            CudaMemory.emptyCache();
            deviceUsedBefore = CudaMemory.deviceUsedBytes();
            if (!poolTried && CudaMemory.asyncAllocatorConfigured()) {
                poolTried = true;
                pool = CudaMemory.DefaultPool.open();
            }
            if (pool != null) {
                pool.resetHighWaterMarks();
                poolUsedBefore = pool.usedCurrent();
            }
            return;
        }
        if (counter == null) {
            counter = AllocationCounter.ifPreloaded();
        }
        ProcMemory.resetHighWaterMark();
        rssBefore = ProcMemory.rssBytes();
        if (counter != null) {
            counter.resetPeak();
            counterBefore = counter.current();
        }
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        List<Result> out = new ArrayList<>();
        if (gpu(benchmarkParams)) {
            out.add(new ScalarResult(CUDA_RESERVED, CudaMemory.deviceUsedBytes() - deviceUsedBefore, UNIT, AggregationPolicy.MAX));
            out.add(new ScalarResult(CUDA_RESERVED_STEADY, deviceUsedBefore, UNIT, AggregationPolicy.MAX));
            if (pool != null) {
                out.add(new ScalarResult(CUDA_ALLOCATED, pool.usedHigh() - poolUsedBefore, UNIT, AggregationPolicy.MAX));
                out.add(new ScalarResult(CUDA_ALLOCATED_STEADY, poolUsedBefore, UNIT, AggregationPolicy.MAX));
            }
            return out;
        }
        long hwm = ProcMemory.highWaterMarkBytes();
        out.add(new ScalarResult(CPU_RSS, hwm - rssBefore, UNIT, AggregationPolicy.MAX));
        if (counter != null) {
            out.add(new ScalarResult(CPU_MALLOC, counter.peak() - counterBefore, UNIT, AggregationPolicy.MAX));
        }
        return out;
    }

    @Override
    public Collection<String> addJVMInvokeOptions(BenchmarkParams params) {
        List<String> env = new ArrayList<>(List.of("env"));
        if (gpu(params)) {
            env.add("PYTORCH_CUDA_ALLOC_CONF=" + CudaMemory.ASYNC_ALLOC_CONF);
        } else {
            env.add("MALLOC_MMAP_THRESHOLD_=65536");
            String lib = System.getProperty(COUNTER_PROPERTY);
            if (lib != null && !lib.isBlank()) {
                env.add("LD_PRELOAD=" + lib);
                env.add(AllocationCounter.ENV + "=" + lib);
            }
        }
        return env;
    }

    @Override
    public Collection<String> addJVMOptions(BenchmarkParams params) {
        return List.of();
    }

    @Override
    public void beforeTrial(BenchmarkParams benchmarkParams) {
    }

    @Override
    public Collection<? extends Result> afterTrial(BenchmarkResult br, long pid, File stdOut, File stdErr) {
        return List.of();
    }

    @Override
    public boolean allowPrintOut() {
        return true;
    }

    @Override
    public boolean allowPrintErr() {
        return true;
    }

    @Override
    public String getDescription() {
        return "Peak memory of each single-shot iteration: cpu.rss.peak / cpu.malloc.peak / cuda.reserved.peak / cuda.allocated.peak";
    }
}
