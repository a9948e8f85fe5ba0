package org.medfusion.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The recompute figure from its forks: forks that agree are timed once; forks more than {@link RecomputeForks#AGREEMENT}
 * apart are timed again and the figure is the median of every fork's median (the ViT-B/16 torch-2 forks of a slow
 * stretch of the machine, then the forks timed right after it).
 */
class RecomputeForksTest {

    /** Hands out the given runs' fork medians in order and records which run numbers were asked for. */
    private static final class Runs {
        final List<RecomputeForks.ForkRun> runs;
        final List<Integer> asked = new ArrayList<>();

        Runs(List<RecomputeForks.ForkRun> runs) {
            this.runs = runs;
        }

        static Runs recomputeOnly(List<List<Double>> forks) {
            return new Runs(forks.stream().map(f -> new RecomputeForks.ForkRun(f, List.of())).toList());
        }

        RecomputeForks.ForkRun time(int runNo) {
            asked.add(runNo);
            return runs.get(runNo - 1);
        }
    }

    @Test
    void forksThatAgreeAreTimedOnce() {
        Runs runs = Runs.recomputeOnly(List.of(List.of(120.3, 125.1, 138.0), List.of(1.0, 1.0, 1.0)));
        RecomputeForks.Figure f = RecomputeForks.measure(runs::time);
        assertEquals(List.of(1), runs.asked);
        assertEquals(125.1, f.medianMs(), 1e-12);
        assertEquals(List.of(120.3, 125.1, 138.0), f.forkMs());
    }

    @Test
    void forksOfASlowStretchAreTimedAgainAndTheFigureIsTheMedianOfAll() {
        Runs runs = Runs.recomputeOnly(List.of(List.of(362.9, 367.0, 237.7), List.of(236.7, 236.1, 247.6)));
        RecomputeForks.Figure f = RecomputeForks.measure(runs::time);
        assertEquals(List.of(1, 2), runs.asked);
        assertEquals(List.of(362.9, 367.0, 237.7, 236.7, 236.1, 247.6), f.forkMs());
        assertEquals((237.7 + 247.6) / 2, f.medianMs(), 1e-12);
    }

    @Test
    void agreementIsSlowestOverFastest() {
        assertFalse(RecomputeForks.disagree(List.of(100.0, 119.9, 110.0)));
        assertTrue(RecomputeForks.disagree(List.of(100.0, 120.1, 110.0)));
        assertFalse(RecomputeForks.disagree(List.of(100.0)), "one fork cannot disagree");
        assertFalse(RecomputeForks.disagree(List.of()));
    }

    @Test
    void noForkMeansNoFigure() {
        RecomputeForks.Figure f = RecomputeForks.measure(runNo -> new RecomputeForks.ForkRun(List.of(), List.of()));
        assertNull(f.medianMs());
        assertEquals(List.of(), f.forkMs());
        assertEquals(List.of(), f.chainForkMs());
    }

    @Test
    void chainForwardsStayAlignedWithTheirForksAcrossBothRuns() {
        Runs runs = new Runs(List.of(new RecomputeForks.ForkRun(List.of(362.9, 367.0, 237.7), List.of(560.0, 571.2, 371.0)),
                new RecomputeForks.ForkRun(List.of(236.7, 236.1, 247.6), List.of(369.9, 368.4, 386.0))));
        RecomputeForks.Figure f = RecomputeForks.measure(runs::time);
        assertEquals(List.of(560.0, 571.2, 371.0, 369.9, 368.4, 386.0), f.chainForkMs());
    }

    @Test
    void chainForwardsMissingInAnyRunOrForkAreNotKept() {
        Runs secondLacks = new Runs(List.of(new RecomputeForks.ForkRun(List.of(362.9, 367.0, 237.7), List.of(560.0, 571.2, 371.0)),
                new RecomputeForks.ForkRun(List.of(236.7, 236.1, 247.6), List.of())));
        assertEquals(List.of(), RecomputeForks.measure(secondLacks::time).chainForkMs(), "never misaligned with the forks");
        RecomputeForks.ForkRun oneForkLacks = new RecomputeForks.ForkRun(List.of(120.3, 125.1, 138.0), List.of(200.0, 210.0));
        assertEquals(List.of(), oneForkLacks.chainMs(), "a fork without its chain forward: none kept");
    }
}
