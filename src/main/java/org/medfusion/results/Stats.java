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
