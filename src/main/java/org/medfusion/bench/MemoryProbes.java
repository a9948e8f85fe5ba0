package org.medfusion.bench;

import java.util.List;
import org.medfusion.results.Device;

/** The registered memory probes, in the order they run around a step. */
public final class MemoryProbes {

    private MemoryProbes() {
    }

    /** Fresh probes (they hold per-fork state); constructing one touches nothing native. */
    public static List<MemoryProbe> create() {
        return List.of(new CpuRssProbe(), new CpuMallocProbe(), new CudaReservedProbe(), new CudaAllocatedProbe());
    }

    /** Fresh probes of one device. */
    public static List<MemoryProbe> forDevice(Device device) {
        return create().stream().filter(p -> p.device() == device).toList();
    }
}
