package org.medfusion.planner;

import org.medfusion.platform.ByteSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.medfusion.checkpoint.SegmentPlan;

/**
 * The dynamic program against enumeration of every plan, on synthetic profiles: count-based plans for
 * {@code leastPeak}, plans with any segment stored or recomputed for the budget; budget edge cases.
 */
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

    /** Every plan of n blocks with every choice of stored or recomputed for the segments before the last. */
    static List<SegmentPlan> allMixedPlans(int n) {
        List<SegmentPlan> out = new ArrayList<>();
        for (SegmentPlan cut : allPlans(n)) {
            int free = cut.segmentCount() - 1;
            for (int flags = 0; flags < 1 << free; flags++) {
                List<Boolean> recomputed = new ArrayList<>();
                for (int k = 0; k < free; k++) {
                    recomputed.add((flags & 1 << k) != 0);
                }
                recomputed.add(false);
                out.add(SegmentPlan.of(cut.ranges(), recomputed));
            }
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
    void cheapestWithinBudgetMatchesEnumerationOfMixedPlans() {
        Random r = new Random(11);
        for (int trial = 0; trial < 60; trial++) {
            int n = 1 + r.nextInt(8);
            MemoryModel model = new MemoryModel(randomProfile(r, n), r.nextInt(3) == 0 ? r.nextInt(300) : 0);
            assertMixedPlansMatchEnumeration(model, new SegmentPlanner(model), "trial " + trial);
        }
    }

    /**
     * The search long chains need (every question pruned by time bounds from the same program on held bytes rounded
     * to whole steps) gives enumeration's answers too: forced on every question, with byte sizes large enough that a
     * step holds many bytes, so the rounding is coarse and must never prune the answer.
     */
    @Test
    void boundedSearchMatchesEnumerationOfMixedPlans() {
        Random r = new Random(13);
        long scale = 1_000_003;
        for (int trial = 0; trial < 60; trial++) {
            int n = 1 + r.nextInt(8);
            List<BlockProfile> blocks = new ArrayList<>();
            for (BlockProfile b : randomProfile(r, n)) {
                blocks.add(new BlockProfile(b.index(), b.name(), b.outputBytes() * scale + r.nextInt(1000), b.keptBytes() * scale,
                        b.forwardPeakBytes() * scale, b.forwardNoGradPeakBytes() * scale, b.backwardPeakBytes() * scale + r.nextInt(1000),
                        b.forwardMs(), b.forwardNoGradMs(), b.backwardMs()));
            }
            MemoryModel model = new MemoryModel(blocks, r.nextInt(3) == 0 ? r.nextInt(300) * scale : 0);
            assertMixedPlansMatchEnumeration(model, new SegmentPlanner(model, 0), "bounded trial " + trial);
        }
    }

    /** minimumPeak and cheapestWithin at budgets across the whole range, against every mixed plan. */
    private static void assertMixedPlansMatchEnumeration(MemoryModel model, SegmentPlanner planner, String trial) {
        int n = model.blockCount();
        List<SegmentPlan> all = allMixedPlans(n);
        long min = all.stream().mapToLong(p -> model.predict(p).peakBytes()).min().orElseThrow();
        assertEquals(min, planner.minimumPeak(), trial);
        long max = all.stream().mapToLong(p -> model.predict(p).peakBytes()).max().orElseThrow();
        for (long budget = min - 1; budget <= max + 1; budget += Math.max(1, (max - min) / 7)) {
            double bestTime = Double.MAX_VALUE;
            long bestPeak = Long.MAX_VALUE;
            for (SegmentPlan p : all) {
                MemoryModel.Prediction pr = model.predict(p);
                if (pr.peakBytes() <= budget && (pr.overheadMs() < bestTime || (pr.overheadMs() == bestTime && pr.peakBytes() < bestPeak))) {
                    bestTime = pr.overheadMs();
                    bestPeak = pr.peakBytes();
                }
            }
            Optional<PlannedSegments> got = planner.cheapestWithin(budget);
            if (bestTime == Double.MAX_VALUE) {
                assertTrue(got.isEmpty(), trial + ": budget " + budget + " below the minimum " + min + " must have no plan");
            } else {
                PlannedSegments plan = got.orElseThrow();
                assertEquals(bestTime, plan.predictedOverheadMs(), 1e-9, trial + " budget " + budget);
                assertEquals(bestPeak, plan.predictedPeakBytes(), trial + " budget " + budget + ": ties go to the lower peak");
                assertEquals(model.predict(plan.plan()).peakBytes(), plan.predictedPeakBytes());
            }
        }
    }

    /**
     * Two light blocks that are slow to recompute, then two heavy fast ones; known by hand. Under 150 bytes the
     * plain step (220) does not fit; every count-based plan recomputes block 0 (10 ms) and the cheapest that fits
     * costs 21 ms; storing [0,2) and recomputing only block 2 costs 1 ms at a peak of 121: held 20 while block 2
     * recomputes (its upstream gradient 1 plus its kept 100), then 21 held under the last block's 100.
     */
    @Test
    void storedSegmentBeatsEveryCountBasedPlan() {
        long[] kept = {10, 10, 100, 100};
        double[] ms = {10, 10, 1, 1};
        List<BlockProfile> blocks = new ArrayList<>();
        for (int i = 0; i < kept.length; i++) {
            blocks.add(new BlockProfile(i, "b", 1, kept[i], 0, 1, 0, ms[i], ms[i], 1));
        }
        MemoryModel model = new MemoryModel(blocks);
        SegmentPlanner planner = new SegmentPlanner(model);
        assertEquals(220, model.predict(SegmentPlan.uniform(4, 1)).peakBytes());
        PlannedSegments best = planner.cheapestWithin(150).orElseThrow();
        assertEquals(List.of(2, 3), best.boundaries());
        assertEquals(List.of(false, true, false), best.recomputed());
        assertEquals(121, best.predictedPeakBytes());
        assertEquals(1.0, best.predictedOverheadMs(), 1e-9);
        double cheapestCountBased = allPlans(4).stream().map(model::predict).filter(p -> p.peakBytes() <= 150)
                .mapToDouble(MemoryModel.Prediction::overheadMs).min().orElseThrow();
        assertEquals(21.0, cheapestCountBased, 1e-9);
        // --split optimal keeps its meaning: count-based plans only
        for (int s = 1; s <= 4; s++) {
            PlannedSegments p = planner.leastPeak(s);
            for (int k = 0; k < s; k++) {
                assertEquals(k < s - 1, p.recomputed().get(k), "leastPeak(" + s + ") recomputes every segment but the last");
            }
        }
    }

    /** A stored segment holds all it keeps while later segments run: the model adds it to every later phase. */
    @Test
    void storedSegmentKeepsItsBytesUntilItsBackward() {
        List<BlockProfile> blocks = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            blocks.add(new BlockProfile(i, "b", 1, 10, 0, 1, 0, 1, 1, 1));
        }
        MemoryModel model = new MemoryModel(blocks);
        List<SegmentPlan.Range> cut = List.of(new SegmentPlan.Range(0, 1), new SegmentPlan.Range(1, 2), new SegmentPlan.Range(2, 3));
        // [0,1) stored keeps 10; [1,2) recomputed: 10 + upstream 1 + kept 10; its boundary 1; last: 11 + 10
        assertEquals(21, model.predict(SegmentPlan.of(cut, List.of(false, true, false))).peakBytes());
        // [0,1) recomputed: boundary 1 held; [1,2) stored adds 10, its backward holds the upstream 1: 1 + 11; last: 11 + 10
        assertEquals(21, model.predict(SegmentPlan.of(cut, List.of(true, false, false))).peakBytes());
        assertEquals(10, model.storedKeptBytes(0, 1));
        assertEquals(11, model.storedCost(0, 1), "a stored segment before the last holds its upstream gradient in its backward");
        assertEquals(10, model.storedCost(2, 3), "the last segment has no upstream gradient to hold");
        assertEquals(1.0, model.predict(SegmentPlan.of(cut, List.of(false, true, false))).overheadMs(), 1e-9);
        assertEquals(0.0, model.predict(SegmentPlan.of(cut, List.of(false, false, false))).overheadMs(), 1e-9);
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

    /**
     * Plans that recompute the same blocks tie in time even when their per-segment sums differ in the last bits
     * (these are ViT-B/16's block times, where {@code [0,2) [2,7)} summed below {@code [0,7)}): the lower peak wins.
     */
    @Test
    void equalRecomputeTiesOnPeakDespiteRounding() {
        double[] ms = {119.600, 563.044, 534.233, 454.044, 454.434, 439.494, 635.547, 1};
        List<BlockProfile> blocks = new ArrayList<>();
        for (int i = 0; i < ms.length; i++) {
            long kept = i == ms.length - 1 ? 1000 : 100; // a heavy last block: every plan stores it alone or with more
            blocks.add(new BlockProfile(i, "b", 1, kept, 0, 1, 0, ms[i], ms[i], 1));
        }
        MemoryModel model = new MemoryModel(blocks);
        long twoSegments = model.predict(SegmentPlan.of(List.of(new SegmentPlan.Range(0, 7), new SegmentPlan.Range(7, 8)))).peakBytes();
        for (SegmentPlanner planner : List.of(new SegmentPlanner(model), new SegmentPlanner(model, 0))) { // 0: the bounded search
            PlannedSegments p = planner.cheapestWithin(twoSegments + 10).orElseThrow();
            assertEquals(List.of(7), p.boundaries(), "the same recompute with one boundary held, not several");
            assertEquals(twoSegments, p.predictedPeakBytes());
        }
    }

    @Test
    void budgetEdges() {
        MemoryModel model = new MemoryModel(randomProfile(new Random(3), 8));
        SegmentPlanner planner = new SegmentPlanner(model);
        long min = planner.minimumPeak();
        assertTrue(planner.cheapestWithin(min - 1).isEmpty(), "below the minimum: nothing fits");
        PlannedSegments exact = planner.cheapestWithin(min).orElseThrow();
        assertEquals(min, exact.predictedPeakBytes(), "exactly the minimum: a least-peak plan");
        assertTrue(planner.cheapestWithin(0).isEmpty(), "a zero budget: nothing fits");
        PlannedSegments huge = planner.cheapestWithin(Long.MAX_VALUE).orElseThrow();
        assertEquals(1, huge.segments(), "a huge budget needs no recompute: the plain step");
        assertEquals(0.0, huge.predictedOverheadMs());
        assertTrue(huge.plan().recomputesNothing());
        long plain = model.predict(SegmentPlan.uniform(8, 1)).peakBytes();
        assertEquals(huge.plan(), planner.cheapestWithin(plain).orElseThrow().plan(), "a budget of exactly the plain peak: plain");
        assertTrue(planner.cheapestWithin(plain - 1).orElseThrow().predictedOverheadMs() > 0, "just below the plain peak: some recompute");
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
