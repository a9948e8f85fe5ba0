package org.medfusion.bench;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * CUDA memory of device 0, two ways.
 *
 * <p><b>Reserved</b> ({@code cuda.reserved.peak}): device-wide used bytes (total minus free, from
 * {@link CudaUtils#getGpuMemory}) after a step minus before it, with PyTorch's caching allocator
 * emptied just before the step, in a fresh fork. The allocator keeps what it reserved, so the
 * difference is the peak reserved growth of the step.
 *
 * <p><b>Allocated</b> ({@code cuda.allocated.peak}): exact peak of allocated bytes, when the fork
 * runs with {@code PYTORCH_CUDA_ALLOC_CONF=backend:cudaMallocAsync}: PyTorch then allocates from
 * the device's default CUDA memory pool, whose used-memory high-water mark the driver API
 * reports ({@code cuMemPoolGetAttribute(CU_MEMPOOL_ATTR_USED_MEM_HIGH)}, reset by setting it to 0).
 */
public final class CudaMemory {

    /** CUmemPool_attribute values from cuda.h. */
    static final int ATTR_RESERVED_MEM_CURRENT = 5;
    static final int ATTR_RESERVED_MEM_HIGH = 6;
    static final int ATTR_USED_MEM_CURRENT = 7;
    static final int ATTR_USED_MEM_HIGH = 8;

    /** The environment setting that routes PyTorch's allocations through the driver's default pool. */
    public static final String ASYNC_ALLOC_CONF = "backend:cudaMallocAsync";

    interface CudaDriver extends Library {
        int cuInit(int flags);

        int cuDeviceGet(IntByReference device, int ordinal);

        int cuDeviceGetDefaultMemPool(PointerByReference pool, int device);

        int cuMemPoolGetAttribute(Pointer pool, int attr, LongByReference value);

        int cuMemPoolSetAttribute(Pointer pool, int attr, LongByReference value);
    }

    private CudaMemory() {
    }

    public static boolean hasGpu() {
        try {
            return CudaUtils.hasCuda() && CudaUtils.getGpuCount() > 0;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return false;
        }
    }

    /** Whether this process was started with PyTorch's cudaMallocAsync backend. */
    public static boolean asyncAllocatorConfigured() {
        String conf = System.getenv("PYTORCH_CUDA_ALLOC_CONF");
        return conf != null && conf.contains(ASYNC_ALLOC_CONF);
    }

    /** Empties PyTorch's CUDA caching allocator ({@code torch.cuda.empty_cache()}). */
    public static void emptyCache() {
        JniUtils.emptyCudaCache();
    }

    /** Device-wide used bytes of GPU 0 (total minus free) right now. */
    public static long deviceUsedBytes() {
        return CudaUtils.getGpuMemory(Device.gpu()).getUsed();
    }

    /** The driver's default memory pool of device 0 (the pool cudaMallocAsync allocates from). */
    public static final class DefaultPool {
        private final CudaDriver driver;
        private final Pointer pool;

        private DefaultPool(CudaDriver driver, Pointer pool) {
            this.driver = driver;
            this.pool = pool;
        }

        public static DefaultPool open() {
            CudaDriver driver = Native.load("cuda", CudaDriver.class);
            check(driver.cuInit(0), "cuInit");
            IntByReference dev = new IntByReference();
            check(driver.cuDeviceGet(dev, 0), "cuDeviceGet");
            PointerByReference pool = new PointerByReference();
            check(driver.cuDeviceGetDefaultMemPool(pool, dev.getValue()), "cuDeviceGetDefaultMemPool");
            return new DefaultPool(driver, pool.getValue());
        }

        public long get(int attr) {
            LongByReference v = new LongByReference();
            check(driver.cuMemPoolGetAttribute(pool, attr, v), "cuMemPoolGetAttribute");
            return v.getValue();
        }

        /** Resets both high-water marks to the current values. */
        public void resetHighWaterMarks() {
            check(driver.cuMemPoolSetAttribute(pool, ATTR_USED_MEM_HIGH, new LongByReference(0)), "cuMemPoolSetAttribute");
            check(driver.cuMemPoolSetAttribute(pool, ATTR_RESERVED_MEM_HIGH, new LongByReference(0)), "cuMemPoolSetAttribute");
        }

        public long usedCurrent() {
            return get(ATTR_USED_MEM_CURRENT);
        }

        public long usedHigh() {
            return get(ATTR_USED_MEM_HIGH);
        }

        private static void check(int rc, String call) {
            if (rc != 0) {
                throw new IllegalStateException(call + " failed with CUresult " + rc);
            }
        }
    }
}
