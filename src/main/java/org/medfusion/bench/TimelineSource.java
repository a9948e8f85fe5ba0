package org.medfusion.bench;

import org.medfusion.results.Device;

/**
 * Where a memory timeline reads the bytes in use: exact figures only. On CPU the preloaded allocation counter
 * ({@link AllocationCounter}: usable bytes of live malloc blocks, with a high-water mark of its own for the timeline);
 * on a GPU the driver's default pool under PyTorch's cudaMallocAsync backend (allocated bytes, their high-water mark,
 * and reserved bytes). Without either there is no source and the timeline says so.
 */
interface TimelineSource {

    /** {@code malloc} or {@code cuda.pool}: the timeline's {@code source} column. */
    String name();

    /** Bytes in use now. */
    long current();

    /** The high-water mark of bytes in use since the last {@link #resetWindow()}. */
    long windowPeak();

    /** Starts a new window at the bytes in use now. */
    void resetWindow();

    /** Bytes the device's allocator holds reserved, or null where that is not a separate figure (CPU). */
    default Long reserved() {
        return null;
    }

    /** The source this process can read for {@code device}, or null when it has none. */
    static TimelineSource forThisProcess(Device device) {
        if (device == Device.GPU) {
            return CudaMemory.hasGpu() && CudaMemory.asyncAllocatorConfigured() ? new CudaPool(CudaMemory.DefaultPool.open()) : null;
        }
        AllocationCounter counter = AllocationCounter.ifPreloaded();
        return counter == null ? null : new Malloc(counter);
    }

    /** The preloaded allocation counter's live bytes and its window high-water mark. */
    record Malloc(AllocationCounter counter) implements TimelineSource {
        @Override
        public String name() {
            return "malloc";
        }

        @Override
        public long current() {
            return counter.current();
        }

        @Override
        public long windowPeak() {
            return counter.windowPeak();
        }

        @Override
        public void resetWindow() {
            counter.resetWindow();
        }
    }

    /** The CUDA default pool: allocated bytes (used), their high-water mark, reserved bytes. */
    record CudaPool(CudaMemory.DefaultPool pool) implements TimelineSource {
        @Override
        public String name() {
            return "cuda.pool";
        }

        @Override
        public long current() {
            return pool.usedCurrent();
        }

        @Override
        public long windowPeak() {
            return pool.usedHigh();
        }

        @Override
        public void resetWindow() {
            pool.resetHighWaterMarks();
        }

        @Override
        public Long reserved() {
            return pool.get(CudaMemory.ATTR_RESERVED_MEM_CURRENT);
        }
    }
}
