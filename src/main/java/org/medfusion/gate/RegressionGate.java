package org.medfusion.gate;

import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compares a candidate run with a baseline run, cell by cell (same {@link CellKey}), for CI:
 * <ul>
 *   <li>memory regresses when the candidate's peak exceeds the baseline's by more than
 *       {@code memoryTolerancePct} (peaks reproduce within 1% run to run, so a small tolerance works);</li>
 *   <li>time regresses only when it is slower beyond noise: the candidate's CI lower bound is above the
 *       baseline's CI upper bound times (1 + {@code timeTolerancePct}/100). Overlapping intervals never fail;</li>
 *   <li>a cell that was ok in the baseline and is OOM, error or missing in the candidate regresses.</li>
 * </ul>
 * Cells the baseline lacks, or where the baseline was not ok, are reported as not compared.
 */
public final class RegressionGate {

    public enum Kind { MEMORY, TIME, STATUS, MISSING }

    /** One regression. */
    public record Finding(CellKey key, Kind kind, String detail) {
        @Override
        public String toString() {
            return "REGRESSION " + kind.name().toLowerCase(Locale.ROOT) + " " + key.id() + ": " + detail;
        }
    }

    /** Gate verdict: regressions and how many cells were compared. */
    public record Verdict(List<Finding> regressions, int compared, int notCompared) {
        public boolean passed() {
            return regressions.isEmpty();
        }
    }

    private RegressionGate() {
    }

    public static Verdict evaluate(List<CellResult> baseline, List<CellResult> candidate, double memoryTolerancePct,
            double timeTolerancePct) {
        if (memoryTolerancePct < 0 || timeTolerancePct < 0) {
            throw new IllegalArgumentException("tolerances must be >= 0 %, got memory " + memoryTolerancePct + " and time " + timeTolerancePct);
        }
        Map<CellKey, CellResult> cand = new HashMap<>();
        candidate.forEach(c -> cand.put(c.key(), c));
        List<Finding> out = new ArrayList<>();
        int compared = 0;
        int skipped = 0;
        for (CellResult b : baseline) {
            if (b.status() != CellStatus.OK) {
                skipped++;
                continue;
            }
            CellResult c = cand.get(b.key());
            compared++;
            if (c == null) {
                out.add(new Finding(b.key(), Kind.MISSING, "measured in the baseline, absent from the candidate"));
                continue;
            }
            if (c.status() != CellStatus.OK) {
                out.add(new Finding(b.key(), Kind.STATUS, "ok in the baseline, " + c.status().label()
                        + (c.message() == null ? "" : " (" + c.message() + ")")));
                continue;
            }
            if (b.peakBytes() != null && c.peakBytes() != null && b.memoryMethod().equals(c.memoryMethod())) {
                double change = 100.0 * (c.peakBytes() - b.peakBytes()) / b.peakBytes();
                if (change > memoryTolerancePct) {
                    out.add(new Finding(b.key(), Kind.MEMORY, String.format(Locale.ROOT, "%s %.1f -> %.1f MiB (%+.1f%% > %.1f%%)",
                            b.memoryMethod(), b.peakBytes() / 1048576.0, c.peakBytes() / 1048576.0, change, memoryTolerancePct)));
                }
            }
            if (b.stepMsCiHigh() != null && c.stepMsCiLow() != null
                    && c.stepMsCiLow() > b.stepMsCiHigh() * (1 + timeTolerancePct / 100)) {
                out.add(new Finding(b.key(), Kind.TIME, String.format(Locale.ROOT,
                        "step %.1f ms [%.1f, %.1f] -> %.1f ms [%.1f, %.1f]: slower beyond the intervals and %.1f%%",
                        b.stepMsMedian(), b.stepMsCiLow(), b.stepMsCiHigh(), c.stepMsMedian(), c.stepMsCiLow(), c.stepMsCiHigh(),
                        timeTolerancePct)));
            }
        }
        return new Verdict(out, compared, skipped);
    }
}
