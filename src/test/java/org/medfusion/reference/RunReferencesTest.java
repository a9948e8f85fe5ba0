package org.medfusion.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.bench.MeasureSettings;
import org.medfusion.checkpoint.Split;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.MemoryMethod;
import org.medfusion.results.CellStore;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import org.medfusion.results.ReferenceFigures;
import org.medfusion.results.ReferenceFramework;
import org.medfusion.results.ReferenceStore;

/**
 * PyTorch beside a run's cells: stored beside them, "not available" without Python (never an error, never a status
 * change), kept on resume, and measured for real on a tiny cell where the machine has PyTorch.
 */
class RunReferencesTest {

    private static final CellKey TINY = new CellKey("resnet18", 2, 32, 2, Split.TORCH, Precision.FP32, Device.CPU, 1);

    @TempDir
    Path run;

    private final StringWriter log = new StringWriter();

    private static CellResult ours(CellKey k) {
        return CellResult.builder(k, "resnet", CellStatus.OK).peak(50L << 20, MemoryMethod.CPU_RSS_PEAK).memoryRepeats(List.of(50L << 20))
                .stepMsSamples(List.of(100.0, 110.0)).stepMs(105.0, 100.0, 110.0).pairedPlainMsSamples(List.of(90.0, 95.0)).build();
    }

    private static MeasureSettings tiny() {
        MeasureSettings d = MeasureSettings.defaults();
        return d.withTiming(d.timing().withWarmup(1).withIterations(2)).withMemory(d.memory().withWarmup(1).withIterations(2)).withThreads(1);
    }

    private RunReferences references(String python) {
        return new RunReferences(run, ReferenceFramework.TORCH, python, tiny(), false, new PrintWriter(log, true));
    }

    @Test
    void withoutPythonEachCellIsStoredNotAvailableWithWhatWasTried() throws Exception {
        RunReferences refs = references("/nonexistent/python3");
        assertTrue(Files.isDirectory(ReferenceStore.dir(run, ReferenceFramework.TORCH)), "configured before any cell");
        CellResult ok = ours(TINY);
        CellStore.save(run, ok);
        refs.after(ok);
        ReferenceFigures f = ReferenceStore.read(run, ReferenceFramework.TORCH, TINY).orElseThrow();
        assertEquals(ReferenceFigures.NOT_AVAILABLE, f.status());
        assertTrue(f.message().contains("/nonexistent/python3: not found"), f.message());
        assertEquals(CellStatus.OK, CellStore.read(CellStore.cellFile(run, TINY)).status(), "the cell's status is ours alone");
        CellResult oom = CellResult.failed(TINY.plain(), "resnet", CellStatus.OOM, "out of memory");
        refs.after(oom);
        assertEquals("our cell is oom: no figures of ours to compare",
                ReferenceStore.read(run, ReferenceFramework.TORCH, TINY.plain()).orElseThrow().message());
        assertTrue(log.toString().contains("torch beside resnet18_b2_r32_s2_torch_fp32_cpu: not available"), log.toString());
    }

    @Test
    void aTinyCellIsMeasuredInPyTorchStoredAndKeptOnResume() throws Exception {
        assumeTrue(TorchPython.find().isPresent(),
                "no python3 with torch and torchvision (apt-get install -y python3-torch python3-torchvision): the reference is not tested here");
        CellResult ok = ours(TINY);
        CellStore.save(run, ok);
        references(null).after(ok);
        Path file = ReferenceStore.file(run, ReferenceFramework.TORCH, TINY);
        ReferenceFigures f = ReferenceStore.read(run, ReferenceFramework.TORCH, TINY).orElseThrow();
        assertEquals("ok", f.status(), f.message());
        assertTrue(f.peakBytes() > 0 && f.stepMsMedian() > 0 && f.plainRatioMedian() != null, f.toString());
        assertEquals(1, f.threads());
        String stored = Files.readString(file);
        StringWriter again = new StringWriter();
        new RunReferences(run, ReferenceFramework.TORCH, null, tiny(), false, new PrintWriter(again, true)).fill(List.of(TINY));
        assertEquals(stored, Files.readString(file), "resume keeps the stored figures");
        assertEquals("", again.toString(), "and measures nothing");
    }
}
