package org.medfusion.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.medfusion.checkpoint.SegmentPlan;

/** The dynamic program against enumeration of every plan, on synthetic profiles; budget edge cases. */
class SegmentPlannerTest {

    static List<BlockProfile> randomProfile(Random r, int n) {
        List<BlockProfile> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long o = 1 + r.nextInt(50);
            out.add(new BlockProfile(i, "b" + i, o, o + r.nextInt(200), r.nextInt(100), o + r.nextInt(60), r.nextInt(120),
                    1 + r.nextInt(20), 1 + r.nextInt(10), 1 + r.nextInt(30)));
        }
        return out;
    }

    /** Every plan of n blocks: each of the n-1 gaps is a cut or not. */
    static List<SegmentPlan> allPlans(int n) {
        List<SegmentPlan> out = new ArrayList<>();
        for (int mask = 0; mask < 1 << (n - 1); mask++) {
            List<SegmentPlan.Range> ranges = new ArrayList<>();
            int start = 0;
            for (int gap = 1; gap < n; gap++) {
                if ((mask & 1 << (gap - 1)) != 0) {
                    ranges.add(new SegmentPlan.Range(start, gap));
                    start = gap;
                }
            }
            ranges.add(new SegmentPlan.Range(start, n));
            out.add(SegmentPlan.of(ranges));
        }
        return out;
    }

    @Test
    void leastPeakPerSegmentCountMatchesEnumeration() {
        Random r = new Random(7);
        for (int trial = 0; trial < 60; trial++) {
            int n = 1 + r.nextInt(10);
            MemoryModel model = new MemoryModel(randomProfile(r, n), r.nextInt(3) == 0 ? r.nextInt(300) : 0);
            SegmentPlanner planner = new SegmentPlanner(model);
            for (int s = 1; s <= n; s++) {
                long bestPeak = Long.MAX_VALUE;
                double bestTime = Double.MAX_VALUE;
                for (SegmentPlan p : allPlans(n)) {
                    if (p.segmentCount() != s) {
                        continue;
                    }
                    MemoryModel.Prediction pr = model.predict(p);
                    if (pr.peakBytes() < bestPeak || (pr.peakBytes() == bestPeak && pr.overheadMs() < bestTime)) {
                        bestPeak = pr.peakBytes();
                        bestTime = pr.overheadMs();
                    }
                }
                PlannedSegments got = planner.leastPeak(s);
                assertEquals(s, got.segments());
                assertEquals(bestPeak, got.predictedPeakBytes(), "trial " + trial + " n=" + n + " s=" + s);
                assertEquals(bestTime, got.predictedOverheadMs(), 1e-9, "trial " + trial + " n=" + n + " s=" + s);
                assertEquals(model.predict(got.plan()).peakBytes(), got.predictedPeakBytes());
            }
        }
    }

    @Test
    void cheapestWithinBudgetMatchesEnumeration() {
        Random r = new Random(11);
        for (int trial = 0; trial < 60; trial++) {
            int n = 1 + r.nextInt(10);
            MemoryModel model = new MemoryModel(randomProfile(r, n), r.nextInt(3) == 0 ? r.nextInt(300) : 0);
            SegmentPlanner planner = new SegmentPlanner(model);
            List<SegmentPlan> all = allPlans(n);
            long min = all.stream().mapToLong(p -> model.predict(p).peakBytes()).min().orElseThrow();
            assertEquals(min, planner.minimumPeak());
            long max = all.stream().mapToLong(p -> model.predict(p).peakBytes()).max().orElseThrow();
            for (long budget = min - 1; budget <= max + 1; budget += Math.max(1, (max - min) / 7)) {
                double bestTime = Double.MAX_VALUE;
                for (SegmentPlan p : all) {
                    MemoryModel.Prediction pr = model.predict(p);
                    if (pr.peakBytes() <= budget) {
                        bestTime = Math.min(bestTime, pr.overheadMs());
                    }
                }
                Optional<PlannedSegments> got = planner.cheapestWithin(budget);
                if (bestTime == Double.MAX_VALUE) {
                    assertTrue(got.isEmpty(), "budget " + budget + " below the minimum " + min + " must have no plan");
                } else {
                    assertEquals(bestTime, got.orElseThrow().predictedOverheadMs(), 1e-9, "trial " + trial + " budget " + budget);
                    assertTrue(got.get().predictedPeakBytes() <= budget);
                }
            }
        }
    }

    /** Two heavy blocks first, light ones after: the optimum isolates the heavy blocks; known by hand. */
    @Test
    void knownOptimumOnAHandMadeChain() {
        List<BlockProfile> blocks = new ArrayList<>();
        long[] kept = {100, 100, 10, 10, 10, 10};
        for (int i = 0; i < kept.length; i++) {
            blocks.add(new BlockProfile(i, "b", 1, kept[i], 0, 1, 0, 1, 1, 1));
        }
        MemoryModel model = new MemoryModel(blocks);
        PlannedSegments best = new SegmentPlanner(model).leastPeak(3);
        // [0,1) [1,2) [2,6): recompute peaks 1+100 (upstream + kept), boundary held 1 then 2; stored 40 + 2
        assertEquals(List.of(1, 2), best.boundaries());
        assertEquals(model.predict(best.plan()).peakBytes(), best.predictedPeakBytes());
        assertEquals(List.of(true, true, false), best.recomputed());
        // uniform [0,2) [2,4) [4,6) keeps both heavy blocks in one recomputed segment: worse
        assertTrue(model.predict(SegmentPlan.uniform(6, 3)).peakBytes() > best.predictedPeakBytes());
    }

    @Test
    void budgetEdges() {
        MemoryModel model = new MemoryModel(randomProfile(new Random(3), 8));
        SegmentPlanner planner = new SegmentPlanner(model);
        long min = planner.minimumPeak();
        assertTrue(planner.cheapestWithin(min - 1).isEmpty(), "below the minimum: nothing fits");
        PlannedSegments exact = planner.cheapestWithin(min).orElseThrow();
        assertEquals(min, exact.predictedPeakBytes(), "exactly the minimum: a least-peak plan");
        PlannedSegments huge = planner.cheapestWithin(Long.MAX_VALUE).orElseThrow();
        assertEquals(1, huge.segments(), "a huge budget needs no recompute: the plain step");
        assertEquals(0.0, huge.predictedOverheadMs());
        assertThrows(IllegalArgumentException.class, () -> planner.leastPeak(0));
        assertThrows(IllegalArgumentException.class, () -> planner.leastPeak(9));
    }

    @Test
    void optimizerUpdateIsAFloorOfEveryPlan() {
        List<BlockProfile> blocks = randomProfile(new Random(5), 6);
        long plain = new MemoryModel(blocks).predict(SegmentPlan.uniform(6, 1)).peakBytes();
        MemoryModel model = new MemoryModel(blocks, plain + 1);
        SegmentPlanner planner = new SegmentPlanner(model);
        assertEquals(plain + 1, planner.minimumPeak());
        assertEquals(1, planner.cheapestWithin(plain + 1).orElseThrow().segments(), "no recompute can go below the update");
        assertTrue(planner.cheapestWithin(plain).isEmpty());
    }

    @Test
    void byteSizes() {
        assertEquals(150L << 20, ByteSize.parse("150MiB"));
        assertEquals(1536L << 20, ByteSize.parse("1.5GiB"));
        assertEquals(200_000_000L, ByteSize.parse("200MB"));
        assertEquals(12345L, ByteSize.parse("12345"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("lots"));
        assertTrue(e.getMessage().contains("'lots'"));
    }
}
