package org.medfusion.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.checkpoint.Split;
import org.medfusion.planner.BlockProfile;
import org.medfusion.planner.BudgetSweep;
import org.medfusion.planner.MemoryModel;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Device;
import org.medfusion.results.MemoryMethod;
import org.medfusion.results.Precision;

/** The sweep's files on a fixture: one CSV row per budget and split, the verdicts in the Markdown, the chart's series. */
class SweepReportTest {

    static final CellKey KEY = new CellKey("resnet18", 2, 32, 4, Precision.FP32, Device.CPU);

    static CellResult measured(long peak, double extraMs) {
        return measured(peak, extraMs, List.of());
    }

    static CellResult measured(long peak, double extraMs, List<Double> recomputeForkMs) {
        return CellResult.builder(KEY, "resnet", CellStatus.OK).peak(peak, MemoryMethod.CPU_RSS_PEAK).memoryRepeats(List.of(peak))
                .stepMsSamples(List.of(100 + extraMs)).stepMs(100 + extraMs, null, null).pairedPlainMsSamples(List.of(100.0))
                .recomputeForkMs(recomputeForkMs).build();
    }

    /** Six identical blocks, each 10 ms forward with grad: a whole-chain forward of 60 ms in the profile. */
    static MemoryModel sixBlocks() {
        List<BlockProfile> blocks = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            blocks.add(new BlockProfile(i, "b" + i, 1000, 4000, 500, 1200, 600, 10, 8, 20, 0));
        }
        return new MemoryModel(blocks, 100);
    }

    static BudgetSweep sweep() {
        MemoryModel model = sixBlocks();
        org.medfusion.planner.SegmentPlanner planner = new org.medfusion.planner.SegmentPlanner(model);
        long plain = model.predict(org.medfusion.checkpoint.SegmentPlan.uniform(6, 1)).peakBytes();
        org.medfusion.checkpoint.SegmentPlan second = planner.cheapestWithin(BudgetSweep.budgets(planner.minimumPeak(), plain, 4).get(1))
                .orElseThrow().plan();
        // the second budget's plan measures 20 % above its prediction (a violation); the others as predicted
        return BudgetSweep.run(model, 4, List.of(2, 4), p -> measured(p.plan().equals(second)
                ? Math.round(p.predictedPeakBytes() * 1.2) : p.predictedPeakBytes(), p.predictedOverheadMs()), (split, s) -> {
                    MemoryModel.Prediction pr = model.predict(split.policy().plan(6, s));
                    return measured(pr.peakBytes(), pr.overheadMs());
                }, 1);
    }

    @Test
    void writesTheTableTheVerdictsAndTheChart(@TempDir Path dir) throws Exception {
        SweepReport r = new SweepReport("resnet18, batch 2, 32 px, fp32, cpu", "Measured by a fixture.", sweep(), 3);
        List<Path> files = r.write(dir);
        assertEquals(List.of("sweep.csv", "sweep.md", "pareto.png", "pareto.svg"), files.stream().map(p -> p.getFileName().toString()).toList());
        List<String> csv = Files.readAllLines(dir.resolve("sweep.csv"));
        assertEquals(String.join(",", SweepReport.HEADER), csv.get(0));
        assertEquals(1 + 4 + 4 + 1, csv.size(), "4 budgets, uniform and torch at 2 and 4 segments, the plain step");
        assertTrue(csv.get(9).contains(",plain,1,"), csv.get(9));
        assertTrue(csv.get(2).contains(",false,"), "the second budget was not kept: " + csv.get(2));
        String md = Files.readString(dir.resolve("sweep.md"));
        assertTrue(md.contains("- Budgets kept: 3 of 4 (not kept: "), md);
        assertTrue(md.contains("| **no** |"), md);
        assertTrue(md.contains("Peak predicted within 5 %: 1 of "), md);
        assertTrue(md.contains("Measured by a fixture."), md);
        assertTrue(r.paretoChart().getSeriesMap().keySet().containsAll(List.of("planner (one per budget)", "uniform split", "torch split",
                "plain step")),
                r.paretoChart().getSeriesMap().keySet().toString());
        assertTrue(Files.readString(dir.resolve("pareto.svg")).contains("<svg"));
    }

    /**
     * Each recompute fork's median goes into sweep.csv; a plan whose first forks disagreed (six fork medians where the
     * first run has three) is named in the verdicts with both runs' forks.
     */
    @Test
    void recomputeForksAreListedAndARetimedPlanIsNamed() {
        MemoryModel model = sixBlocks();
        List<Double> retimed = List.of(10.0, 15.0, 10.0, 10.0, 10.5, 10.2);
        String[] first = new String[1];
        BudgetSweep s = BudgetSweep.run(model, 3, List.of(2), p -> {
            if (p.plan().recomputesNothing()) {
                return measured(p.predictedPeakBytes(), 0);
            }
            boolean isFirst = first[0] == null || first[0].equals(p.plan().spec());
            first[0] = first[0] == null ? p.plan().spec() : first[0];
            return measured(p.predictedPeakBytes(), p.predictedOverheadMs(), isFirst ? retimed : List.of(10.0, 10.1, 10.2));
        }, (split, n) -> measured(model.predict(split.policy().plan(6, n)).peakBytes(), 1, List.of(5.0, 5.1, 5.2)), 1);
        SweepReport r = new SweepReport("t", "m", s, 3);
        String md = r.markdown();
        assertTrue(md.contains("- Recompute timed again (first 3 forks more than 20 % apart): 1 of "), md);
        assertTrue(md.contains("`" + first[0] + "` (forks 10.0 / 15.0 / 10.0, then 10.0 / 10.5 / 10.2 ms: agreeing)"), md);
        assertTrue(r.csv().contains(",10.00;15.00;10.00;10.00;10.50;10.20,"), r.csv());
        SweepReport none = new SweepReport("t", "m", s, 6);
        assertTrue(none.markdown().contains("- Recompute forks within 20 % of each other for every plan timed ("), none.markdown());
    }

    /**
     * Every fork ran 25 % slower than the profile (its whole-chain forward 75 ms where the profile's blocks sum to 60): the
     * raw recompute errors are all -20 %, outside 15 %; read at the profile's speed (the fork's recompute over its chain
     * forward, times the profile's 60 ms) every plan is exactly as predicted.
     */
    @Test
    void aRecomputeTimedOnASlowerMachineIsReadAtTheProfilesSpeed() {
        MemoryModel model = sixBlocks();
        java.util.function.DoubleFunction<CellResult> slow = predictedMs -> {
            double ms = predictedMs * 1.25;
            return CellResult.builder(KEY, "resnet", CellStatus.OK).peak(1000L, MemoryMethod.CPU_RSS_PEAK).memoryRepeats(List.of(1000L))
                    .stepMsSamples(List.of(100 + ms)).stepMs(100 + ms, null, null).pairedPlainMsSamples(List.of(100.0))
                    .recomputeForwardMs(ms).recomputeForkMs(List.of(ms, ms, ms)).chainForwardForkMs(List.of(75.0, 75.0, 75.0)).build();
        };
        BudgetSweep s = BudgetSweep.run(model, 3, List.of(2), p -> slow.apply(p.predictedOverheadMs()),
                (split, n) -> slow.apply(model.predict(split.policy().plan(6, n)).overheadMs()), 1);
        assertEquals(60.0, s.profileChainForwardMs(), 1e-9);
        BudgetSweep.Figures uniform = s.splits().get(0).figures();
        assertEquals(-0.2, uniform.recomputeError(), 1e-9);
        assertEquals(uniform.predictedRecomputeMs(), s.recomputeAtProfileSpeedMs(uniform), 1e-9);
        assertEquals(0.0, s.speedAdjustedRecomputeError(uniform), 1e-9);
        String md = new SweepReport("t", "m", s, 3).markdown();
        assertTrue(md.matches("(?s).*recompute time within 15 %: (\\d+) of \\1 plans outside; at the profile's speed: every plan \\(\\d+\\)\\..*"), md);
        assertTrue(md.contains("the profile timed as 60.0 ms"), md);
        String csv = new SweepReport("t", "m", s, 3).csv();
        assertTrue(csv.contains(",75.00;75.00;75.00,30.00,0.0000"), csv);
    }

    @Test
    void unmeasuredFiguresAreMissingNotZero() {
        List<BlockProfile> blocks = List.of(new BlockProfile(0, "a", 10, 40, 5, 12, 6, 1, 1, 2, 0),
                new BlockProfile(1, "b", 10, 40, 5, 12, 6, 1, 1, 2, 0));
        BudgetSweep s = BudgetSweep.run(new MemoryModel(blocks, 1), 2, List.of(), p -> CellResult.failed(KEY, "resnet", CellStatus.OOM, "out of memory"),
                (split, n) -> null, 1);
        String md = new SweepReport("t", "m", s, 3).markdown();
        assertTrue(md.contains("| missing |"), md);
        assertTrue(md.contains("Budgets kept: 0 of 2"), md);
        assertTrue(md.contains("none measured that low"), md);
        assertTrue(md.contains("- Recompute forks: no recompute was timed."), md);
        assertEquals(SegmentPlan.uniform(2, 1).spec(), s.points().get(1).plan().plan().spec(), md);
        assertTrue(new SweepReport("t", "m", s, 3).csv().contains(",oom"), Split.UNIFORM.label());
    }
}
