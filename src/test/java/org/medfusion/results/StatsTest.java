package org.medfusion.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianAndOrderStatisticInterval() {
        List<Double> s = new ArrayList<>();
        for (int i = 10; i >= 1; i--) {
            s.add((double) i);
        }
        Stats.Summary sum = Stats.summarize(s);
        assertEquals(5.5, sum.median());
        // n=10: P(B<=1) = 11/1024 = 0.0107 <= 0.025, P(B<=2) = 0.0547 > 0.025 -> l = 2: [x(2), x(9)]
        assertEquals(2.0, sum.ciLow());
        assertEquals(9.0, sum.ciHigh());
        assertEquals(10, sum.n());
    }

    @Test
    void knownRanks() {
        assertEquals(0, Stats.lowerRank(5)); // 2 * 0.5^5 = 0.0625 > 0.05
        assertEquals(1, Stats.lowerRank(6)); // 0.5^6 = 0.0156
        assertEquals(2, Stats.lowerRank(9)); // P(B<=1) = 10/512 = 0.0195
        assertEquals(6, Stats.lowerRank(20)); // classic table value
    }

    @Test
    void tinySamplesFallBackToMinMax() {
        Stats.Summary s = Stats.summarize(List.of(3.0, 1.0, 2.0));
        assertEquals(new Stats.Summary(2.0, 1.0, 3.0, 3), s);
        assertEquals(new Stats.Summary(7.0, 7.0, 7.0, 1), Stats.summarize(List.of(7.0)));
    }

    @Test
    void rejectsEmptyAndNonFinite() {
        assertThrows(IllegalArgumentException.class, () -> Stats.summarize(List.of()));
        assertThrows(IllegalArgumentException.class, () -> Stats.summarize(List.of(1.0, Double.NaN)));
    }

    @Test
    void coefficientOfVariation() {
        // mean 2, sample sd 1 -> 0.5
        assertEquals(0.5, Stats.cv(List.of(1.0, 2.0, 3.0)), 1e-12);
        assertEquals(0.0, Stats.cv(List.of(4.0, 4.0)), 0.0);
        assertEquals(null, Stats.cv(List.of(4.0)));
        assertEquals(null, Stats.cv(List.of()));
    }

    @Test
    void ratioIntervalIsReproducibleCoversTheRatioAndIsNarrowerThanCrosswiseBounds() {
        java.util.Random r = new java.util.Random(7);
        List<Double> plain = new java.util.ArrayList<>();
        List<Double> ckpt = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            plain.add(1000 * (1 + 0.03 * r.nextGaussian()));
            ckpt.add(1200 * (1 + 0.03 * r.nextGaussian()));
        }
        Stats.Interval ci = Stats.ratioOfMediansCi(ckpt, plain);
        assertEquals(ci, Stats.ratioOfMediansCi(ckpt, plain), "fixed seed");
        double ratio = Stats.summarize(ckpt).median() / Stats.summarize(plain).median();
        org.junit.jupiter.api.Assertions.assertTrue(ci.low() < ratio && ratio < ci.high(), ci + " around " + ratio);
        org.junit.jupiter.api.Assertions.assertTrue(ci.low() > 1.1 && ci.high() < 1.3, ci.toString());
        Stats.Summary p = Stats.summarize(plain);
        Stats.Summary c = Stats.summarize(ckpt);
        double crossLow = c.ciLow() / p.ciHigh();
        double crossHigh = c.ciHigh() / p.ciLow();
        org.junit.jupiter.api.Assertions.assertTrue(ci.high() - ci.low() < crossHigh - crossLow,
                "bootstrap " + ci + " vs crosswise [" + crossLow + ", " + crossHigh + "]");
    }

    @Test
    void ratioIntervalCoverageOnSimulatedSteps() {
        // 200 simulated pairs of 10-step cells with a true ratio of medians of 1.10 and 5 % lognormal noise
        java.util.Random r = new java.util.Random(11);
        int covered = 0;
        for (int t = 0; t < 200; t++) {
            List<Double> plain = new java.util.ArrayList<>();
            List<Double> ckpt = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                plain.add(500 * Math.exp(0.05 * r.nextGaussian()));
                ckpt.add(550 * Math.exp(0.05 * r.nextGaussian()));
            }
            Stats.Interval ci = Stats.ratioOfMediansCi(ckpt, plain);
            if (ci.low() <= 1.10 && 1.10 <= ci.high()) {
                covered++;
            }
        }
        // percentile bootstrap with n = 10 is somewhat anti-conservative; it must still be near 95 %
        org.junit.jupiter.api.Assertions.assertTrue(covered >= 170, covered + " of 200 intervals cover 1.10");
    }

    @Test
    void ratioIntervalNeedsTwoSamplesEachSide() {
        assertEquals(null, Stats.ratioOfMediansCi(List.of(1.0), List.of(1.0, 2.0)));
        assertEquals(null, Stats.ratioOfMediansCi(List.of(1.0, 2.0), List.of()));
    }
}
