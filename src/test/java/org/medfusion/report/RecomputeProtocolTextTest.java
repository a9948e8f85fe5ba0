package org.medfusion.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.medfusion.bench.MeasureSettings;
import org.medfusion.bench.RecomputeForks;

/**
 * The report's method states the recompute protocol as dated text, not from the constants, so that an old run is never
 * described by a newer protocol. This test ties the newest clause to the constants: whoever changes the recompute's
 * counts, forks or agreement must add a clause saying from which runs on they hold (and update this test).
 */
class RecomputeProtocolTextTest {

    private static String recomputeMethod() {
        return ReportRenderer.methods().stream().filter(m -> m.get("metric").equals("recompute overhead")).map(m -> m.get("how"))
                .findFirst().orElseThrow();
    }

    @Test
    void theNewestClauseNamesTheCurrentCountsForksAndAgreement() {
        String how = recomputeMethod();
        String counts = "at least " + MeasureSettings.RECOMPUTE_ITERATIONS + " calls after at least " + MeasureSettings.RECOMPUTE_WARMUP
                + " warm-up calls in each of " + MeasureSettings.RECOMPUTE_FORKS + " forks";
        assertTrue(how.contains(counts), "the method must state the current protocol (" + counts + "): " + how);
        long agreementPct = RecomputeForks.agreementPercent();
        String retime = "twice as many as the protocol's forks (" + MeasureSettings.RECOMPUTE_FORKS + ", or the step's fork count where "
                + "larger) mean the first forks' medians differed by more than " + agreementPct + " % and as many forks again timed it";
        assertTrue(how.contains(retime), "the method must state when the recompute is timed again (" + retime + "): " + how);
    }

    @Test
    void olderRunsKeepTheirOwnProtocol() {
        assertTrue(recomputeMethod().contains("earlier runs the step's own counts in one fork"), recomputeMethod());
    }
}
