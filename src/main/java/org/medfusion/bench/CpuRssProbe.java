package org.medfusion.bench;

import org.medfusion.platform.GlibcMalloc;
import org.medfusion.platform.ProcMemory;
import java.util.List;
import org.medfusion.results.Device;
import org.medfusion.results.MemoryMethod;

/**
 * {@code cpu.rss.peak}: {@code VmHWM} after the step minus {@code VmRSS} before it, the high-water mark reset via
 * {@code /proc/self/clear_refs}. The fork runs with {@code MALLOC_MMAP_THRESHOLD_=65536} so glibc returns large
 * freed blocks to the OS at once (otherwise reuse hides most of the growth), and with a fixed, pre-touched heap so
 * the JVM does not grow during the step. That setting slows steps, so these forks are never timed.
 */
public final class CpuRssProbe implements MemoryProbe {

    public static final String NAME = MemoryMethod.CPU_RSS_PEAK.label();

    private long rssBefore;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "peak resident-memory growth of one training step above the steady state left by the warm-up steps. "
                + "A fresh JVM runs with MALLOC_MMAP_THRESHOLD_=65536 (so glibc returns freed blocks and RSS follows "
                + "the allocations); before the step the high-water mark is reset by writing 5 to "
                + "/proc/self/clear_refs and VmRSS is read; after the step the peak is VmHWM minus that pre-step "
                + "VmRSS (/proc/self/status). Measured in forks separate from the timing forks (the malloc setting "
                + "slows steps).";
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public List<String> forkEnvironment() {
        return GlibcMalloc.MEMORY.assignments();
    }

    @Override
    public void beforeStep() {
        ProcMemory.resetHighWaterMark();
        rssBefore = ProcMemory.rssBytes();
    }

    @Override
    public long afterStep() {
        return ProcMemory.highWaterMarkBytes() - rssBefore;
    }
}
