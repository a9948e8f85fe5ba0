package org.medfusion.bench;

import java.util.List;
import org.medfusion.results.Device;
import org.medfusion.results.MemoryMethod;

/**
 * {@code cuda.allocated.peak}: the fork runs with {@code PYTORCH_CUDA_ALLOC_CONF=backend:cudaMallocAsync}; the CUDA
 * driver's default pool used-memory high-water mark minus its pre-step value (see {@link CudaMemory}).
 */
public final class CudaAllocatedProbe implements MemoryProbe {

    public static final String STEADY_NAME = "cuda.allocated.steady";
    public static final String NAME = MemoryMethod.CUDA_ALLOCATED_PEAK.label();

    private CudaMemory.DefaultPool pool;
    private long usedBefore;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "peak memory held by tensors during one step: the high-water mark of the CUDA default memory pool "
                + "(PYTORCH_CUDA_ALLOC_CONF=backend:cudaMallocAsync, CU_MEMPOOL_ATTR_USED_MEM_HIGH reset before the "
                + "step) minus the memory in use before the step.";
    }

    @Override
    public Device device() {
        return Device.GPU;
    }

    @Override
    public List<String> forkEnvironment() {
        return List.of("PYTORCH_CUDA_ALLOC_CONF=" + CudaMemory.ASYNC_ALLOC_CONF);
    }

    @Override
    public boolean open() {
        if (!CudaMemory.asyncAllocatorConfigured()) {
            return false;
        }
        pool = CudaMemory.DefaultPool.open();
        return true;
    }

    @Override
    public void beforeStep() {
        pool.resetHighWaterMarks();
        usedBefore = pool.usedCurrent();
    }

    @Override
    public String steadyName() {
        return STEADY_NAME;
    }

    @Override
    public long steadyBytes() {
        return usedBefore;
    }

    @Override
    public long afterStep() {
        return pool.usedHigh() - usedBefore;
    }
}
