package org.medfusion.bench;

import java.util.List;
import org.medfusion.platform.GlibcMalloc;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Starts every timing fork with glibc's allocator told to keep the memory it frees: a fixed mmap threshold (32 MiB,
 * glibc's ceiling, which also switches off its dynamic threshold), no trimming of the heap below 4 GiB and 256 MiB of
 * padding per heap growth. Used by {@link CellMeasurer} for the step-time and recompute-forward forks, never for the
 * memory forks (which need the opposite: {@link CpuRssProbe}).
 *
 * <p>Why: with glibc's defaults, whether a step's large tensors come from the heap or from fresh mmaps (page faults,
 * pages zeroed by the kernel every step) depends on the order of earlier frees, which differs from fork to fork. On the
 * idle 2-core CI VM (ResNet-18 b8 64 px, 15 steps, 5 forks each) whole forks ran 25 % slower than others and the
 * paired checkpointed/plain ratio moved from 1.10 to 1.19 between forks of one build; with this setting 4 forks gave
 * 1.18-1.21. The times then measure the step's compute rather than the allocator's state, as on a GPU (PyTorch's CUDA
 * caching allocator keeps memory) or with jemalloc/tcmalloc. The report's method section states the setting.
 */
public final class TimingAllocator extends ForkEnvironmentProfiler {

    /** The environment of a timing fork. */
    public static final List<String> ENVIRONMENT = GlibcMalloc.TIMING.assignments();

    @Override
    List<String> forkEnvironment(BenchmarkParams params) {
        return ENVIRONMENT;
    }

    @Override
    public String getDescription() {
        return "Timing forks with glibc keeping freed memory: " + String.join(" ", ENVIRONMENT);
    }
}
