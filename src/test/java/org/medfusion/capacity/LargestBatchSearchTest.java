package org.medfusion.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.medfusion.results.CellStatus;

/** The largest-batch search on synthetic peak functions: affine, noisy and non-monotonic, out of memory, failures. */
class LargestBatchSearchTest {

    private static final long MB = 1_000_000L;

    /** A probe over a peak function that records every batch it was asked for. */
    private static final class Recording implements BatchProbe {
        final IntFunction<ProbeResult> f;
        final List<Integer> asked = new ArrayList<>();

        Recording(IntFunction<ProbeResult> f) {
            this.f = f;
        }

        @Override
        public ProbeResult probe(int batch) {
            asked.add(batch);
            return f.apply(batch);
        }
    }

    private static IntFunction<ProbeResult> affine(long base, long perSample) {
        return b -> ProbeResult.measured(b, base + perSample * b);
    }

    /** The exact answer of an affine peak: the largest b with base + perSample * b <= cap. */
    private static int exact(long base, long perSample, long cap) {
        return (int) Math.max(0, (cap - base) / perSample);
    }

    @Test
    void affinePeakFindsTheExactLargestBatchFromAnyStart() {
        long base = 7 * MB;
        long per = 6_300_000L;
        for (long cap : new long[] {20 * MB, 110 * MB, 333 * MB, 1000 * MB}) {
            for (int start : new int[] {1, 3, 16, 100, 256}) {
                Recording p = new Recording(affine(base, per));
                SearchOutcome o = new LargestBatchSearch(cap, 256, start).run(p);
                int want = Math.min(256, exact(base, per, cap));
                assertEquals(want, o.largestBatch(), "cap " + cap + " start " + start);
                assertEquals(base + per * want, o.peakBytes());
                assertTrue(p.asked.size() <= 12, "probes " + p.asked + " for cap " + cap + " start " + start);
                if (want < 256) {
                    assertTrue(p.asked.contains(want) && p.asked.contains(want + 1), "the crossing is measured on both sides: " + p.asked);
                }
            }
        }
    }

    @Test
    void exactlyAtTheCapFits() {
        SearchOutcome o = new LargestBatchSearch(10 * MB + 10 * 3 * MB, 64, 1).run(new Recording(affine(10 * MB, 3 * MB)));
        assertEquals(10, o.largestBatch());
    }

    @Test
    void noisyNonMonotonicPeaksEndAtAMeasuredCrossing() {
        for (int seed = 0; seed < 50; seed++) {
            Random rnd = new Random(seed);
            Map<Integer, Long> peaks = new HashMap<>();
            // +-8% noise, drawn once per batch (a re-probe would see the same figure)
            IntFunction<ProbeResult> noisy = b -> ProbeResult.measured(b, peaks.computeIfAbsent(b,
                    k -> Math.round((5 * MB + 4 * MB * k) * (1 + (rnd.nextDouble() - 0.5) * 0.16))));
            long cap = 150 * MB;
            Recording p = new Recording(noisy);
            SearchOutcome o = new LargestBatchSearch(cap, 512, 1).run(p);
            int b = o.largestBatch();
            assertTrue(b >= 1 && b < 512, "seed " + seed + ": " + b);
            assertTrue(peaks.get(b) <= cap, "the answer fitted when measured");
            assertTrue(peaks.containsKey(b + 1) && peaks.get(b + 1) > cap, "the next batch was measured not to fit: " + o.probesText());
            // the noise band of the true crossing (about 36): the answer lies where the noisy line crosses the cap
            assertTrue(b >= 29 && b <= 40, "seed " + seed + ": " + b + " from " + o.probesText());
            assertTrue(p.asked.size() < LargestBatchSearch.MAX_PROBES, "terminates well before the guard");
        }
    }

    @Test
    void outOfMemoryAndFailedProbesCountAsNotFittingAndTheSearchGoesOn() {
        // OOM (no figure) from batch 40 up, a crash at 24, an error at 30; below 40 the peak fits a huge cap
        IntFunction<ProbeResult> f = b -> b >= 40 ? ProbeResult.failed(b, CellStatus.OOM, "out of memory in the memory run")
                : b == 24 ? ProbeResult.failed(b, CellStatus.CRASH, "SIGSEGV in the memory run")
                : b == 30 ? ProbeResult.failed(b, CellStatus.ERROR, "boom")
                : ProbeResult.measured(b, MB * b);
        Recording p = new Recording(f);
        SearchOutcome o = new LargestBatchSearch(Long.MAX_VALUE / 4, 256, 1).run(p);
        int b = o.largestBatch();
        assertTrue(b < 40 && b != 24 && b != 30, o.probesText());
        assertTrue(p.asked.contains(b + 1), "the batch above the answer did not fit when measured: " + o.probesText());
        assertTrue(o.probesText().contains(":oom"), o.probesText());
    }

    @Test
    void nothingFitsGivesZeroAfterProbingBatchOne() {
        Recording p = new Recording(affine(50 * MB, MB));
        SearchOutcome o = new LargestBatchSearch(40 * MB, 256, 16).run(p);
        assertEquals(0, o.largestBatch());
        assertNull(o.peakBytes());
        assertFalse(o.reachedMaxBatch());
        assertEquals(1, p.asked.get(p.asked.size() - 1));
        assertEquals(List.of(16, 8, 4, 2, 1), p.asked);
    }

    @Test
    void everythingUpToTheLimitFitsSaysSo() {
        Recording p = new Recording(affine(MB, MB));
        SearchOutcome o = new LargestBatchSearch(10_000 * MB, 48, 1).run(p);
        assertEquals(48, o.largestBatch());
        assertTrue(o.reachedMaxBatch());
        assertEquals(48, p.asked.get(p.asked.size() - 1));
    }

    @Test
    void missingFigureDoesNotFit() {
        // a probe that finished without a memory figure is no evidence of fitting
        SearchOutcome o = new LargestBatchSearch(100 * MB, 8, 1).run(b -> new ProbeResult(b, CellStatus.OK, null, null));
        assertEquals(0, o.largestBatch());
        assertEquals("1:missing", o.probesText());
    }

    @Test
    void aProbeThatAnswersForAnotherBatchIsABug() {
        assertThrows(IllegalStateException.class, () -> new LargestBatchSearch(MB, 8, 1).run(b -> ProbeResult.measured(b + 1, 1)));
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LargestBatchSearch(0, 8, 1));
        assertThrows(IllegalArgumentException.class, () -> new LargestBatchSearch(MB, 0, 1));
    }
}
