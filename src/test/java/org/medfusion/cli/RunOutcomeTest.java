package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;

/** The exit code of {@code run} for each mix of cell statuses, and its closing lines. */
class RunOutcomeTest {

    static List<CellResult> cells(CellStatus... statuses) {
        List<CellResult> out = new ArrayList<>();
        for (int i = 0; i < statuses.length; i++) {
            CellStatus s = statuses[i];
            out.add(CellResult.failed(new CellKey("resnet18", 2, 32, i, Precision.FP32, Device.CPU), "resnet", s,
                    s == CellStatus.OK ? null : "why " + s.label()));
        }
        return out;
    }

    @Test
    void zeroOnlyWhenEveryCellIsAResult() {
        assertEquals(ExitCodes.OK, RunOutcome.of(cells(CellStatus.OK, CellStatus.OK)).exitCode());
        assertEquals(ExitCodes.OK, RunOutcome.of(cells(CellStatus.OK, CellStatus.OOM)).exitCode(), "an OOM is a result");
        assertEquals(ExitCodes.OK, RunOutcome.of(cells(CellStatus.OOM)).exitCode());
    }

    @Test
    void fourWhenAnyCellFailed() {
        assertEquals(ExitCodes.ERROR, RunOutcome.of(cells(CellStatus.OK, CellStatus.ERROR)).exitCode());
        assertEquals(ExitCodes.ERROR, RunOutcome.of(cells(CellStatus.OK, CellStatus.CRASH)).exitCode());
        assertEquals(ExitCodes.ERROR, RunOutcome.of(cells(CellStatus.UNSUPPORTED, CellStatus.CRASH)).exitCode(),
                "a failure outranks the environment");
    }

    @Test
    void threeWhenTheEnvironmentCouldNotMeasure() {
        assertEquals(ExitCodes.DATA, RunOutcome.of(cells(CellStatus.UNSUPPORTED, CellStatus.UNSUPPORTED)).exitCode());
        assertEquals(ExitCodes.DATA, RunOutcome.of(cells(CellStatus.OK, CellStatus.UNSUPPORTED)).exitCode());
        assertEquals(ExitCodes.DATA, RunOutcome.of(List.of()).exitCode(), "nothing measured is never green");
    }

    @Test
    void linesCountEachStatusAndGroupTheReasons() {
        RunOutcome o = RunOutcome.of(cells(CellStatus.OK, CellStatus.CRASH, CellStatus.OOM));
        List<CellResult> same = new ArrayList<>(cells(CellStatus.CRASH, CellStatus.CRASH));
        assertEquals(List.of("cells: 3, 1 ok, 1 oom, 0 error, 0 unsupported, 1 crash",
                "  1 crash: why crash [resnet18_b2_r32_s1_fp32_cpu]",
                "  1 oom: why oom [resnet18_b2_r32_s2_fp32_cpu]"), o.lines());
        assertEquals("  2 crash: why crash [resnet18_b2_r32_s0_fp32_cpu, resnet18_b2_r32_s1_fp32_cpu]",
                RunOutcome.of(same).lines().get(1));
    }
}
