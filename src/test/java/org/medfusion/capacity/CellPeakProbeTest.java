package org.medfusion.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medfusion.results.MemoryMethod;
import org.medfusion.bench.JmhLockTimeoutException;
import org.medfusion.checkpoint.Split;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;

/** How a cell's memory measurement becomes a probe: the cell it names, and every failure as "does not fit". */
class CellPeakProbeTest {

    private static CellResult memory(CellKey k, long peak) {
        return CellResult.builder(k, "resnet", CellStatus.OK).peak(peak, MemoryMethod.CPU_RSS_PEAK).memoryRepeats(List.of(peak)).build();
    }

    private static CellPeakProbe probe(CellPeakProbe.MemoryMeasurer m, CapacityMode mode) {
        return new CellPeakProbe(m, b -> "plan@" + b, "resnet18", 32, 4, mode, Precision.FP32, Device.CPU, null);
    }

    @Test
    void namesTheModesCellAndKeepsItsPlanAndMethod() {
        List<CellKey> asked = new ArrayList<>();
        CellPeakProbe p = probe(k -> {
            asked.add(k);
            return memory(k, 1000L * k.batch());
        }, CapacityMode.OPTIMAL);
        assertEquals(ProbeResult.measured(8, 8000), p.probe(8));
        assertEquals(new CellKey("resnet18", 8, 32, 4, Split.OPTIMAL, Precision.FP32, Device.CPU), asked.get(0));
        assertEquals("plan@8", p.planAt(8));
        assertEquals(MemoryMethod.CPU_RSS_PEAK, p.memoryMethod());

        CellPeakProbe plain = probe(k -> memory(k, 1), CapacityMode.PLAIN);
        assertEquals(0, plain.key(4).segments());
        plain.probe(4);
        assertEquals("", plain.planAt(4), "plain runs no plan");
    }

    @Test
    void failuresAreProbeResultsNotExceptions() {
        CellPeakProbe oom = probe(k -> CellResult.failed(k, "resnet", CellStatus.OOM, "out of memory in the memory run"), CapacityMode.UNIFORM);
        ProbeResult r = oom.probe(64);
        assertEquals(CellStatus.OOM, r.status());
        assertNull(r.peakBytes());
        assertTrue(!r.fits(Long.MAX_VALUE));

        CellPeakProbe thrower = probe(k -> {
            throw new IllegalStateException("profile child died");
        }, CapacityMode.UNIFORM);
        ProbeResult e = thrower.probe(2);
        assertEquals(CellStatus.ERROR, e.status());
        assertTrue(e.message().contains("profile child died"), e.message());

        CellPeakProbe badPlan = new CellPeakProbe(k -> memory(k, 1), b -> {
            throw new IllegalArgumentException("no profile");
        }, "resnet18", 32, 4, CapacityMode.OPTIMAL, Precision.FP32, Device.CPU, null);
        assertEquals(CellStatus.ERROR, badPlan.probe(2).status(), "a plan that cannot be made is a failed probe");
    }

    @Test
    void aBusyMachineIsNotAProbeResult() {
        CellPeakProbe p = probe(k -> {
            throw new JmhLockTimeoutException("JMH's lock is held");
        }, CapacityMode.PLAIN);
        assertThrows(JmhLockTimeoutException.class, () -> p.probe(2));
    }
}
