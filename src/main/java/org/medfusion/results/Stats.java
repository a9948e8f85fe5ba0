package org.medfusion.results;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.commons.math3.distribution.BinomialDistribution;

/**
 * Median and a distribution-free 95% confidence interval of the median.
 *
 * <p>With the n samples sorted, x(1) <= ... <= x(n), the interval is [x(l), x(n-l+1)] where l is the largest
 * rank with {@code P(B <= l-1) <= 0.025} for B ~ Binomial(n, 1/2) (the order-statistic / sign-test interval);
 * its coverage {@code 1 - 2 P(B <= l-1)} is at least 95% whatever the distribution of step times, assuming only
 * independent samples. For n <= 5 no such rank exists (even [min, max] covers only {@code 1 - 2^(1-n)}: 93.8% at
 * n = 5, 87.5% at n = 4), so the interval falls back to [min, max], which then covers LESS than 95%; n = 1
 * gives a zero-width interval. Collect at least 6 samples (9 or more for a useful interval).
 */
public final class Stats {

    /** A sample's median with its confidence interval; {@code n} samples. */
    public record Summary(double median, double ciLow, double ciHigh, int n) {
    }

    private Stats() {
    }

    /**
     * @throws IllegalArgumentException for no samples or a non-finite sample
     */
    public static Summary summarize(List<Double> samples) {
        if (samples == null || samples.isEmpty()) {
            throw new IllegalArgumentException("no samples to summarize");
        }
        List<Double> s = new ArrayList<>(samples);
        for (Double d : s) {
            if (d == null || !Double.isFinite(d)) {
                throw new IllegalArgumentException("sample is not a finite number: " + d);
            }
        }
        Collections.sort(s);
        int n = s.size();
        double median = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
        int l = lowerRank(n);
        if (l == 0) {
            return new Summary(median, s.get(0), s.get(n - 1), n);
        }
        return new Summary(median, s.get(l - 1), s.get(n - l), n);
    }

    /** Coefficient of variation: sample standard deviation / mean (a fraction, 0.05 = 5 %); null for fewer than 2 samples. */
    public static Double cv(List<Double> samples) {
        if (samples == null || samples.size() < 2) {
            return null;
        }
        double mean = samples.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        if (mean <= 0) {
            return null;
        }
        double ss = 0;
        for (double x : samples) {
            ss += (x - mean) * (x - mean);
        }
        return Math.sqrt(ss / (samples.size() - 1)) / mean;
    }

    /** A two-sided interval. */
    public record Interval(double low, double high) {
    }

    /** Resamples of {@link #ratioOfMediansCi}; 4000 keeps the 2.5/97.5 % percentiles stable to a few tenths of a percent. */
    public static final int BOOTSTRAP_RESAMPLES = 4000;
    /** Fixed seed: the same samples always give the same interval (reports and golden files are reproducible). */
    public static final long BOOTSTRAP_SEED = 0x5EEDL;

    /**
     * 95% percentile-bootstrap interval of median(numerator) / median(denominator), the two samples resampled
     * independently ({@link #BOOTSTRAP_RESAMPLES} times, seed {@link #BOOTSTRAP_SEED}). Unlike dividing the
     * bounds of two separate intervals crosswise, it is an interval of the ratio itself. With few samples (under
     * about 10 per side) a percentile bootstrap covers somewhat less than 95%; it needs at least 2 per side.
     *
     * @return null when either side has fewer than 2 samples or a median &lt;= 0
     */
    public static Interval ratioOfMediansCi(List<Double> numerator, List<Double> denominator) {
        if (numerator == null || denominator == null || numerator.size() < 2 || denominator.size() < 2) {
            return null;
        }
        double[] a = numerator.stream().mapToDouble(Double::doubleValue).toArray();
        double[] b = denominator.stream().mapToDouble(Double::doubleValue).toArray();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(BOOTSTRAP_SEED);
        double[] ratios = new double[BOOTSTRAP_RESAMPLES];
        double[] ra = new double[a.length];
        double[] rb = new double[b.length];
        for (int i = 0; i < BOOTSTRAP_RESAMPLES; i++) {
            for (int j = 0; j < a.length; j++) {
                ra[j] = a[rnd.nextInt(a.length)];
            }
            for (int j = 0; j < b.length; j++) {
                rb[j] = b[rnd.nextInt(b.length)];
            }
            double mb = median(rb);
            if (mb <= 0) {
                return null;
            }
            ratios[i] = median(ra) / mb;
        }
        java.util.Arrays.sort(ratios);
        return new Interval(percentile(ratios, 0.025), percentile(ratios, 0.975));
    }

    /** Median of the values (sorts the array in place). */
    private static double median(double[] v) {
        java.util.Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }

    /** Linear-interpolated percentile of sorted values (type 7, as R and NumPy's default). */
    private static double percentile(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /** The 1-based rank l of the lower bound, or 0 when n is too small for a 95% interval. */
    static int lowerRank(int n) {
        BinomialDistribution b = new BinomialDistribution(null, n, 0.5);
        int l = 0;
        for (int cand = 1; cand <= (n + 1) / 2; cand++) {
            if (b.cumulativeProbability(cand - 1) <= 0.025) {
                l = cand;
            } else {
                break;
            }
        }
        return l;
    }
}
