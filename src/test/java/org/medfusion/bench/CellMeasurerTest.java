package org.medfusion.bench;

import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;

class CellMeasurerTest {

    @Test
    void failuresAreClassifiedFromForkOutput() {
        assertEquals(CellStatus.OOM, CellMeasurer.failure("java.lang.OutOfMemoryError: Java heap space", "time").status);
        assertEquals(CellStatus.OOM, CellMeasurer.failure("ai.djl.engine.EngineException: [enforce fail at alloc_cpu.cpp:116]"
                + " DefaultCPUAllocator: not enough memory: you tried to allocate 123 bytes.", "memory").status);
        assertEquals(CellStatus.OOM, CellMeasurer.failure("<forked VM failed with exit code 137>", "memory").status);
        CellMeasurer.CellFailure f = CellMeasurer.failure("junk\njava.lang.IllegalStateException: boom\n\tat x", "time");
        assertEquals(CellStatus.ERROR, f.status);
        assertEquals("java.lang.IllegalStateException: boom", f.getMessage());
    }

    @Test
    void unsupportedCellsAreRecordedNotMeasured(@TempDir Path dir) {
        CellMeasurer m = new CellMeasurer(MeasureSettings.defaults(), dir, null);
        CellResult amp = m.measure(new CellKey("resnet18", 2, 32, 0, Precision.AMP, Device.CPU));
        assertEquals(CellStatus.UNSUPPORTED, amp.status());
        if (!CudaMemory.hasGpu()) {
            CellResult gpu = m.measure(new CellKey("resnet18", 2, 32, 0, Precision.FP32, Device.GPU));
            assertEquals(CellStatus.UNSUPPORTED, gpu.status());
            assertEquals("no CUDA GPU visible to this build (see README: GPU build)", gpu.message());
        }
        CellResult bad = m.measure(new CellKey("resnet18", 2, 32, 11, Precision.FP32, Device.CPU));
        assertEquals(CellStatus.ERROR, bad.status());
        assertEquals("segments for resnet18 must be 0 (off) or between 1 and 10 (its checkpointable blocks), got 11", bad.message());
    }
}
