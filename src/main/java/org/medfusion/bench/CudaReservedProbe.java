package org.medfusion.bench;

import org.medfusion.results.Device;
import org.medfusion.results.MemoryMethod;

/**
 * {@code cuda.reserved.peak}: device-wide used bytes after the step minus before it, PyTorch's caching allocator
 * emptied just before the step (see {@link CudaMemory}).
 */
public final class CudaReservedProbe implements MemoryProbe {

    public static final String STEADY_NAME = "cuda.reserved.steady";
    public static final String NAME = MemoryMethod.CUDA_RESERVED_PEAK.label();

    private long usedBefore;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "growth of the GPU memory reserved by PyTorch's caching allocator during one step: device memory in "
                + "use after the step minus before it, in a fresh fork with the allocator's cache emptied before the "
                + "step (the allocator keeps what it reserved, so the difference is the reserved peak).";
    }

    @Override
    public Device device() {
        return Device.GPU;
    }

    @Override
    public void beforeStep() {
        CudaMemory.emptyCache();
        usedBefore = CudaMemory.deviceUsedBytes();
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
        return CudaMemory.deviceUsedBytes() - usedBefore;
    }
}
