package org.medfusion.gate;

import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RegressionGateTest {

    static CellResult ok(int segments, long peak, double median, double lo, double hi) {
        return new CellResult(new CellKey("resnet50", 16, 112, segments, Precision.FP32, Device.CPU), "ResNet", CellStatus.OK, peak,
                "cpu.rss.peak", List.of(peak), List.of(median), median, lo, hi, null, null);
    }

    static final List<CellResult> BASE = List.of(ok(0, 364_000_000L, 1000, 950, 1050), ok(4, 257_000_000L, 1170, 1160, 1210));

    @Test
    void identicalRunsPass() {
        RegressionGate.Verdict v = RegressionGate.evaluate(BASE, BASE, 2, 5);
        assertTrue(v.passed());
        assertEquals(2, v.compared());
    }

    @Test
    void memoryBeyondToleranceFailsButNoiseDoesNot() {
        List<CellResult> within = List.of(ok(0, 369_000_000L, 1000, 950, 1050), BASE.get(1));
        assertTrue(RegressionGate.evaluate(BASE, within, 2, 5).passed(), "+1.4% is within 2%");
        List<CellResult> grown = List.of(ok(0, 380_000_000L, 1000, 950, 1050), BASE.get(1));
        RegressionGate.Verdict v = RegressionGate.evaluate(BASE, grown, 2, 5);
        assertEquals(1, v.regressions().size());
        assertEquals(RegressionGate.Kind.MEMORY, v.regressions().get(0).kind());
        assertTrue(v.regressions().get(0).toString().contains("(+4.4% > 2.0%)"), v.regressions().get(0).toString());
    }

    @Test
    void timeFailsOnlyBeyondTheIntervalsAndTolerance() {
        List<CellResult> overlapping = List.of(ok(0, 364_000_000L, 1080, 1040, 1120), BASE.get(1));
        assertTrue(RegressionGate.evaluate(BASE, overlapping, 2, 5).passed(), "overlapping CIs are noise");
        List<CellResult> slower = List.of(ok(0, 364_000_000L, 1300, 1250, 1350), BASE.get(1));
        RegressionGate.Verdict v = RegressionGate.evaluate(BASE, slower, 2, 5);
        assertEquals(RegressionGate.Kind.TIME, v.regressions().get(0).kind());
    }

    @Test
    void lostOrFailedCellsFail() {
        CellResult oom = CellResult.failed(BASE.get(1).key(), "ResNet", CellStatus.OOM, "out of memory in the memory run");
        RegressionGate.Verdict v = RegressionGate.evaluate(BASE, List.of(BASE.get(0), oom), 2, 5);
        assertEquals(RegressionGate.Kind.STATUS, v.regressions().get(0).kind());
        v = RegressionGate.evaluate(BASE, List.of(BASE.get(0)), 2, 5);
        assertEquals(RegressionGate.Kind.MISSING, v.regressions().get(0).kind());
        assertThrows(IllegalArgumentException.class, () -> RegressionGate.evaluate(BASE, BASE, -1, 5));
    }
}
