package org.medfusion.bench;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Reader of the preloaded allocation counter ({@code src/main/c/alloc_counter.c}), whose path the
 * fork receives in {@code MEDFUSION_ALLOC_COUNTER} and in {@code LD_PRELOAD}. Counts usable bytes of
 * live malloc blocks and their high-water mark: an independent check of the RSS probe.
 */
public final class AllocationCounter {

    /** Environment variable naming the counter library in a fork. */
    public static final String ENV = "MEDFUSION_ALLOC_COUNTER";

    interface Counter extends Library {
        long mfc_current();

        long mfc_peak();

        void mfc_reset_peak();

        long mfc_window_peak();

        void mfc_reset_window();
    }

    private final Counter lib;

    private AllocationCounter(Counter lib) {
        this.lib = lib;
    }

    /** The counter of this process, or null when the fork was not started with one. */
    public static AllocationCounter ifPreloaded() {
        String path = System.getenv(ENV);
        String preload = System.getenv("LD_PRELOAD");
        if (path == null || preload == null || !preload.contains(path)) {
            return null;
        }
        return new AllocationCounter(Native.load(path, Counter.class));
    }

    public void resetPeak() {
        lib.mfc_reset_peak();
    }

    public long current() {
        return lib.mfc_current();
    }

    public long peak() {
        return lib.mfc_peak();
    }

    /**
     * The second high-water mark, independent of {@link #peak()}: the memory timeline resets it at every event
     * ({@link #resetWindow()}) while a probe's step peak keeps running.
     */
    public long windowPeak() {
        return lib.mfc_window_peak();
    }

    public void resetWindow() {
        lib.mfc_reset_window();
    }
}
