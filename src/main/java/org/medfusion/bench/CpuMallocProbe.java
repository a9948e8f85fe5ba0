package org.medfusion.bench;

import java.util.ArrayList;
import java.util.List;
import org.medfusion.results.Device;
import org.medfusion.results.MemoryMethod;

/**
 * {@code cpu.malloc.peak}: when the launcher sets {@code -Dmedfusion.allocCounter=<lib.so>}
 * ({@link #COUNTER_PROPERTY}), the fork preloads that allocation counter ({@code src/main/c/alloc_counter.c}) and
 * this is its high-water mark of live malloc bytes above the pre-step value: the cross-check of
 * {@code cpu.rss.peak} (never a cell's figure).
 */
public final class CpuMallocProbe implements MemoryProbe {

    public static final String NAME = MemoryMethod.CPU_MALLOC_PEAK.label();
    /** System property (launcher side) naming the allocation counter library to preload. */
    public static final String COUNTER_PROPERTY = "medfusion.allocCounter";

    private AllocationCounter counter;
    private long before;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "cross-check of cpu.rss.peak, not a cell's figure: with an allocation counter preloaded over malloc "
                + "(src/main/c/alloc_counter.c, in the tests), the high-water mark of live malloc bytes during the "
                + "step minus the live bytes before it.";
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public List<String> forkEnvironment() {
        List<String> env = new ArrayList<>();
        String lib = System.getProperty(COUNTER_PROPERTY);
        if (lib != null && !lib.isBlank()) {
            env.add("LD_PRELOAD=" + lib);
            env.add(AllocationCounter.ENV + "=" + lib);
        }
        return env;
    }

    @Override
    public boolean open() {
        counter = AllocationCounter.ifPreloaded();
        return counter != null;
    }

    @Override
    public void beforeStep() {
        counter.resetPeak();
        before = counter.current();
    }

    @Override
    public long afterStep() {
        return counter.peak() - before;
    }
}
