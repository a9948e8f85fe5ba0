package org.medfusion.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.apache.commons.math3.stat.inference.TTest;
import org.junit.jupiter.api.Test;

/**
 * E-divisive means on the series published with Apache Otava's tests (the detector's sequence with change points at
 * 5 and 8, the 20-point series with one at 10, the t-test's two 10-point examples), the energy statistic against its
 * definition, and the properties history --check relies on.
 */
class EDivisiveTest {

    /** Otava's change_point_divisive_test.py: three levels, change points at indexes 5 and 8. */
    static final double[] SEQUENCE = {0.3, 2.4, 1.5, -0.9, -0.5, 99.7, 98.3, 99.1, 149.0, 149.7, 149.5, 149.1, 148.8, 150.0};

    /** Otava's analysis_test.py, test_single_series: a drop from about 1.0 to about 0.5 at index 10. */
    static final double[] SINGLE = {1.02, 0.95, 0.99, 1.00, 1.12, 1.00, 1.01, 0.98, 1.01, 0.96, 0.50, 0.51, 0.48, 0.48, 0.55, 0.50,
        0.49, 0.51, 0.50, 0.49};

    static List<Integer> indexes(List<EDivisive.ChangePoint> cps) {
        return cps.stream().map(EDivisive.ChangePoint::index).toList();
    }

    @Test
    void otavaSequenceWithTheTTest() {
        assertEquals(List.of(5, 8), indexes(EDivisive.split(SEQUENCE, 0.01)), "split step (Otava's test_ttest)");
        List<EDivisive.ChangePoint> cps = EDivisive.changePoints(SEQUENCE, 0.01);
        assertEquals(List.of(5, 8), indexes(cps), "split and merge");
        assertEquals(0.56, cps.get(0).meanBefore(), 1e-9);
        assertEquals(99.0333, cps.get(0).meanAfter(), 1e-3);
        assertEquals(149.35, cps.get(1).meanAfter(), 1e-9);
    }

    @Test
    void otavaSingleSeries() {
        List<EDivisive.ChangePoint> cps = EDivisive.changePoints(SINGLE, 0.0001);
        assertEquals(List.of(10), indexes(cps));
        assertTrue(cps.get(0).relativeChange() < -0.45, "about -50 %: " + cps.get(0));
        assertTrue(cps.get(0).pValue() < 1e-10, cps.toString());
    }

    /** Otava's test_significance_tester: the same split of two 10-point series, one level and two levels. */
    @Test
    void otavaSignificanceExamples() {
        double[] flat = {1.00, 1.02, 1.05, 0.95, 0.98, 1.00, 1.02, 1.05, 0.95, 0.98};
        double[] drop = {1.00, 1.02, 1.05, 0.95, 0.98, 0.80, 0.82, 0.85, 0.79, 0.77};
        double pFlat = EDivisive.tTestPValue(java.util.Arrays.copyOfRange(flat, 0, 5), java.util.Arrays.copyOfRange(flat, 5, 10));
        double pDrop = EDivisive.tTestPValue(java.util.Arrays.copyOfRange(drop, 0, 5), java.util.Arrays.copyOfRange(drop, 5, 10));
        assertTrue(pFlat > 0.99 && pFlat <= 1.0, "not significant: " + pFlat);
        assertTrue(pDrop > 0 && pDrop < 0.001, "significant: " + pDrop);
        assertTrue(EDivisive.changePoints(flat, 0.001).isEmpty());
        assertEquals(List.of(5), indexes(EDivisive.changePoints(drop, 0.001)));
    }

    @Test
    void tTestAgreesWithCommonsMathAndHandlesOnePointAndNoVariance() {
        Random r = new Random(7);
        TTest reference = new TTest();
        for (int trial = 0; trial < 50; trial++) {
            double[] a = new double[2 + r.nextInt(8)];
            double[] b = new double[2 + r.nextInt(8)];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = r.nextGaussian() + r.nextInt(3);
            }
            assertEquals(reference.homoscedasticTTest(a, b), EDivisive.tTestPValue(a, b), 1e-9);
        }
        // the newest run alone against the runs before it: df = n - 1, the variance from the earlier runs
        double p = EDivisive.tTestPValue(new double[] {1.00, 1.01, 0.99, 1.00}, new double[] {1.20});
        assertTrue(p < 0.001, "a 20 % step out of 1 % noise: " + p);
        assertEquals(1.0, EDivisive.tTestPValue(new double[] {1.0}, new double[] {2.0}), "no degree of freedom");
        assertEquals(0.0, EDivisive.tTestPValue(new double[] {5, 5}, new double[] {6, 6}));
        assertEquals(1.0, EDivisive.tTestPValue(new double[] {5, 5}, new double[] {5, 5}));
    }

    /** The candidate maximises Q as defined (Matteson and James), computed here pair by pair. */
    @Test
    void candidateMaximisesTheEnergyStatistic() {
        Random r = new Random(3);
        for (int trial = 0; trial < 30; trial++) {
            int n = 3 + r.nextInt(14);
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = r.nextGaussian() + (i > n / 2 ? r.nextInt(4) : 0);
            }
            int min = EDivisive.MIN_SEGMENT;
            int start = r.nextInt(n - 2 * min + 1);
            int end = start + 2 * min + r.nextInt(n - start - 2 * min + 1);
            double best = Double.NEGATIVE_INFINITY;
            for (int tau = start + min; tau <= end - min; tau++) {
                for (int kappa = tau + min; kappa <= end; kappa++) {
                    best = Math.max(best, EDivisive.qhat(x, start, tau, kappa));
                }
            }
            int[] c = EDivisive.candidate(x, start, end);
            assertNotNull(c);
            assertEquals(best, EDivisive.qhat(x, start, c[0], c[1]), 1e-9, "trial " + trial);
        }
        assertEquals(null, EDivisive.candidate(SEQUENCE, 3, 6), "3 points: no split into two segments of 2");
    }

    /** One run off the level (a noisy run) is not a change point, wherever it is; two runs at a new level are. */
    @Test
    void aSingleNoisyRunIsNotAChangePoint() {
        double[] spike = {1.190, 1.185, 1.201, 1.193, 1.420, 1.188, 1.196};
        assertTrue(EDivisive.changePoints(spike, 0.01).isEmpty());
        assertTrue(EDivisive.changePoints(new double[] {1.190, 1.185, 1.201, 1.193, 1.420}, 0.01).isEmpty(), "newest run alone");
        assertTrue(EDivisive.changePoints(new double[] {1.420, 1.185, 1.201, 1.193, 1.188}, 0.01).isEmpty(), "first run alone");
    }

    @Test
    void steadySeriesHaveNoChangePointAndAStepIsFoundAtItsSecondRun() {
        double[] aa = {1.190, 1.185, 1.201, 1.193, 1.188, 1.197, 1.182, 1.195};
        assertTrue(EDivisive.changePoints(aa, 0.001).isEmpty());
        assertTrue(EDivisive.changePoints(new double[] {3, 3, 3, 3, 3}, 0.001).isEmpty());
        double[] step = {1.190, 1.185, 1.201, 1.193, 1.335, 1.342, 1.329, 1.338};
        for (int len = 6; len <= step.length; len++) {
            List<EDivisive.ChangePoint> cps = EDivisive.changePoints(java.util.Arrays.copyOf(step, len), 0.001);
            assertEquals(List.of(4), indexes(cps), "first " + len + " runs");
            assertTrue(cps.get(0).relativeChange() > 0.11, cps.toString());
        }
    }

    @Test
    void relevanceDropsSignificantButSmallChanges() {
        double[] small = {100.00, 100.01, 100.00, 100.02, 100.30, 100.31, 100.30, 100.29};
        assertEquals(List.of(4), indexes(EDivisive.changePoints(small, 0.001)), "significant");
        EDivisive.Relevance beyond1Pct = (before, after) -> Math.abs(after / before - 1) > 0.01;
        assertTrue(EDivisive.changePoints(small, 0.001, beyond1Pct).isEmpty(), "0.3 % is below the 1 % tolerance");
        assertEquals(List.of(5, 8), indexes(EDivisive.changePoints(SEQUENCE, 0.01, beyond1Pct)));
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> EDivisive.changePoints(new double[] {1, Double.NaN, 2}, 0.001));
        assertEquals("the maximum p-value must be between 0 and 1 (exclusive), got 1.5",
                assertThrows(IllegalArgumentException.class, () -> EDivisive.changePoints(SINGLE, 1.5)).getMessage());
    }
}
