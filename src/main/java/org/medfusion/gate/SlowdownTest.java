package org.medfusion.gate;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.inference.MannWhitneyUTest;
import org.medfusion.results.Stats;

/**
 * Is a set of step-time samples slower than another, beyond noise and by a minimum effect?
 *
 * <p>Decided on the raw samples with a one-sided Mann-Whitney U test (commons-math3 gives the two-sided p-value
 * of the normal approximation; the one-sided p is half of it when the candidate's median is the larger, else
 * {@code 1 - p/2}) and a minimum effect: the ratio of medians must exceed {@code 1 + minEffect}. The rank test
 * alone would flag a 1% shift measured with enough samples; the effect alone would flag noise. Both must agree.
 *
 * <p>The interval of the ratio of medians is {@link Stats#ratioOfMediansCi} (percentile bootstrap, fixed seed, so
 * a verdict and its printed interval are reproducible); {@link #ofRatios} bootstraps all four sample sets.
 *
 * @param ratio median(candidate) / median(baseline)
 * @param ciLow 2.5th percentile of the bootstrapped ratio
 * @param ciHigh 97.5th percentile
 * @param pSlower one-sided p-value of "candidate is slower"
 * @param slower whether the verdict is "slower": {@code pSlower < alpha} and {@code ratio > 1 + minEffect}
 */
public record SlowdownTest(double ratio, double ciLow, double ciHigh, double pSlower, boolean slower) {

    static final int RESAMPLES = 2000;
    static final long SEED = 20261127L;

    /**
     * @param baseline baseline samples (e.g. ratio samples checkpointed/plain of the baseline run), at least 2
     * @param candidate candidate samples, at least 2
     * @param minEffect minimum relative slowdown that counts (0.05 = 5%)
     * @param alpha significance level of the one-sided rank test
     */
    public static SlowdownTest of(List<Double> baseline, List<Double> candidate, double minEffect, double alpha) {
        if (baseline.size() < 2 || candidate.size() < 2) {
            throw new IllegalArgumentException("a rank test needs at least 2 samples per side, got "
                    + baseline.size() + " and " + candidate.size());
        }
        double[] b = toArray(baseline);
        double[] c = toArray(candidate);
        double mb = median(b);
        double mc = median(c);
        double ratio = mc / mb;
        double twoSided = new MannWhitneyUTest().mannWhitneyUTest(b, c);
        double p = mc > mb ? twoSided / 2 : 1 - twoSided / 2;
        Stats.Interval ci = Stats.ratioOfMediansCi(candidate, baseline);
        return new SlowdownTest(ratio, ci == null ? Double.NaN : ci.low(), ci == null ? Double.NaN : ci.high(), p,
                p < alpha && ratio > 1 + minEffect);
    }

    /**
     * The slowdown of a checkpointed cell relative to its plain cell, candidate run against baseline run:
     * {@code (median(cc)/median(cp)) / (median(bc)/median(bp))}. The rank test runs on the per-sample ratios
     * (each checkpointed step over its run's plain median); the interval is a percentile bootstrap that resamples
     * all four sample sets, so it carries the uncertainty of the plain medians too. The verdict is the rank test's
     * (p < alpha) plus the minimum effect on the ratio of medians; requiring the bootstrap interval to clear 1 as
     * well was measured to cost too much power at 10-15 samples (it missed a third of 10% slowdowns).
     */
    public static SlowdownTest ofRatios(List<Double> baseCkpt, List<Double> basePlain, List<Double> candCkpt,
            List<Double> candPlain, double minEffect, double alpha) {
        SlowdownTest rank = of(ratioSamples(baseCkpt, basePlain), ratioSamples(candCkpt, candPlain), minEffect, alpha);
        double[] bc = toArray(baseCkpt);
        double[] bp = toArray(basePlain);
        double[] cc = toArray(candCkpt);
        double[] cp = toArray(candPlain);
        double ratio = (median(cc) / median(cp)) / (median(bc) / median(bp));
        SplittableRandom rnd = new SplittableRandom(SEED);
        double[] ratios = new double[RESAMPLES];
        for (int i = 0; i < RESAMPLES; i++) {
            ratios[i] = (median(resample(cc, rnd)) / median(resample(cp, rnd)))
                    / (median(resample(bc, rnd)) / median(resample(bp, rnd)));
        }
        java.util.Arrays.sort(ratios);
        double lo = ratios[(int) Math.floor(0.025 * (RESAMPLES - 1))];
        double hi = ratios[(int) Math.ceil(0.975 * (RESAMPLES - 1))];
        return new SlowdownTest(ratio, lo, hi, rank.pSlower(),
                rank.pSlower() < alpha && ratio > 1 + minEffect);
    }

    /**
     * The smallest one-sided p-value the rank test can give with {@code n} and {@code m} samples (every candidate
     * sample above every baseline sample). When it is not below alpha the test cannot fail whatever was measured:
     * such a check is reported, not gated (a verdict that cannot fail is no verdict).
     */
    public static double smallestP(int n, int m) {
        double[] low = new double[n];
        double[] high = new double[m];
        for (int i = 0; i < n; i++) {
            low[i] = i;
        }
        for (int j = 0; j < m; j++) {
            high[j] = n + j;
        }
        return new MannWhitneyUTest().mannWhitneyUTest(low, high) / 2;
    }

    private static double[] resample(double[] v, SplittableRandom rnd) {
        double[] r = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            r[j] = v[rnd.nextInt(v.length)];
        }
        return r;
    }

    /**
     * Per-sample slowdown of a checkpointed cell within its own run: each checkpointed step divided by the median
     * plain step of the same run. Machine speed, which moves both, cancels.
     */
    public static List<Double> ratioSamples(List<Double> checkpointed, List<Double> plain) {
        double mp = Stats.summarize(plain).median();
        List<Double> out = new ArrayList<>(checkpointed.size());
        checkpointed.forEach(x -> out.add(x / mp));
        return out;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    private static double[] toArray(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
