package org.medfusion.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medfusion.results.MemoryMethod;

/** Every memory probe is one {@link MemoryMethod}, and every method has its probe: a cell's method names its probe. */
class MemoryProbesTest {

    @Test
    void theProbesAreTheMemoryMethods() {
        assertEquals(Arrays.stream(MemoryMethod.values()).map(MemoryMethod::label).toList(),
                MemoryProbes.create().stream().map(MemoryProbe::name).toList());
        assertEquals(List.of(MemoryMethod.CPU_RSS_PEAK.label(), MemoryMethod.CPU_MALLOC_PEAK.label()),
                MemoryProbes.forDevice(org.medfusion.results.Device.CPU).stream().map(MemoryProbe::name).toList());
    }
}
