package org.medfusion.history;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Change points of a univariate series by E-divisive means, as Apache Otava (formerly DataStax Hunter) runs it:
 * <ol>
 * <li><b>Split</b> (Matteson and James, "A Nonparametric Approach for Multiple Change Point Analysis of Multivariate
 * Data", JASA 2014): within each interval between the change points found so far, the candidate is the split
 * {@code tau} that, over every end {@code kappa} of the right part, maximises the energy statistic
 * <pre>
 *   Q(X, Y) = 2/(n+m) sum |x_i - y_j| - 2m/((n+m)(n-1)) sum_{i<k} |x_i - x_k| - 2n/((n+m)(m-1)) sum_{j<k} |y_j - y_k|
 * </pre>
 * with {@code X} the interval's points before {@code tau} ({@code n} of them) and {@code Y} those from {@code tau} to
 * {@code kappa} ({@code m}), each side at least {@link #MIN_SEGMENT} points; the candidate with the largest Q over all
 * intervals is tested, and kept when significant, until one is not.</li>
 * <li><b>Significance</b> (Fleming et al., "Hunter: Using Change Point Detection to Hunt for Performance
 * Regressions", ICPE 2023): a two-sided Student's t-test between the two sides of the candidate (within its
 * interval) instead of the original permutation test, which cannot reach small p-values on a history of ten runs
 * (100 permutations: p >= 1/101) and is random. The split step keeps candidates at a relaxed level (10 x
 * {@code maxPValue}, as Otava's first pass).</li>
 * <li><b>Merge</b> (Hunter): the weakest change point (the largest p-value above {@code maxPValue}, else the
 * smallest change, when it is not {@link Relevance#relevant relevant}) is removed and the others' statistics are
 * recomputed against their new neighbours, until every change point is significant and relevant.</li>
 * </ol>
 * Otava also slides a window (default 50 points) over long series to bound the split's cost; histories here are runs
 * of one project (tens to a few hundred), and the split costs O(n^3) per interval, so the whole series is one window.
 * Deterministic: the same series gives the same change points.
 */
public final class EDivisive {

    /**
     * One change point: the series' index {@code index} is the first point of the new segment; {@code meanBefore} and
     * {@code meanAfter} are the means of the segments on either side (between the neighbouring change points),
     * {@code pValue} the t-test's between them.
     */
    public record ChangePoint(int index, double qhat, double pValue, double meanBefore, double meanAfter) {

        /** meanAfter / meanBefore - 1 (NaN when meanBefore is 0). */
        public double relativeChange() {
            return meanBefore == 0 ? Double.NaN : meanAfter / meanBefore - 1.0;
        }
    }

    /** Which changes are large enough to keep (a metric's tolerance); the default keeps every significant one. */
    @FunctionalInterface
    public interface Relevance {
        Relevance ANY = (before, after) -> before != after;

        boolean relevant(double meanBefore, double meanAfter);
    }

    /**
     * The fewest points a segment may have: one run is never a level of its own, so a single noisy run is not a change
     * point, and a new level is found from its second run on (Matteson and James's method takes a minimum segment size
     * too; Otava's t-test only needs one degree of freedom).
     */
    public static final int MIN_SEGMENT = 2;

    private final double[] x;
    private final double[][] dist;

    private EDivisive(double[] series) {
        this.x = series.clone();
        int n = x.length;
        dist = new double[n][n];
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(x[i])) {
                throw new IllegalArgumentException("series value " + i + " is not a finite number: " + x[i]);
            }
            for (int j = 0; j < n; j++) {
                dist[i][j] = Math.abs(x[i] - x[j]);
            }
        }
    }

    /** Change points at significance {@code maxPValue} keeping every change ({@link Relevance#ANY}). */
    public static List<ChangePoint> changePoints(double[] series, double maxPValue) {
        return changePoints(series, maxPValue, Relevance.ANY);
    }

    /**
     * The change points of the series, ascending by index: split, then merge at {@code maxPValue} keeping only
     * {@code relevance}'s changes.
     *
     * @throws IllegalArgumentException for a non-finite value or a p-value outside (0, 1)
     */
    public static List<ChangePoint> changePoints(double[] series, double maxPValue, Relevance relevance) {
        if (!(maxPValue > 0 && maxPValue < 1)) {
            throw new IllegalArgumentException("the maximum p-value must be between 0 and 1 (exclusive), got " + maxPValue);
        }
        EDivisive e = new EDivisive(series);
        double firstPass = maxPValue < 0.05 ? maxPValue * 10 : maxPValue < 0.5 ? maxPValue * 2 : maxPValue;
        return e.merge(e.split(firstPass), maxPValue, relevance);
    }

    /**
     * The split step alone: candidates kept while their t-test p-value is at most {@code maxPValue} (Otava's
     * detector, also tested on its published series).
     */
    public static List<ChangePoint> split(double[] series, double maxPValue) {
        return new EDivisive(series).split(maxPValue);
    }

    /**
     * The best split of {@code series[start, end)}: {@code {tau, kappa}} maximising Q, and Q there as
     * {@link #qhat(double[], int, int)} would compute it; null when the interval has fewer than 2 points.
     */
    static int[] candidate(double[] series, int start, int end) {
        EDivisive e = new EDivisive(series);
        Candidate c = e.best(start, end);
        return c == null ? null : new int[] {c.tau, c.kappa};
    }

    /** Q of X = series[start, tau) and Y = series[tau, kappa), straight from its definition (for tests). */
    static double qhat(double[] series, int start, int tau, int kappa) {
        int n = tau - start;
        int m = kappa - tau;
        double cross = 0;
        double withinX = 0;
        double withinY = 0;
        for (int i = start; i < tau; i++) {
            for (int j = tau; j < kappa; j++) {
                cross += Math.abs(series[i] - series[j]);
            }
            for (int k = i + 1; k < tau; k++) {
                withinX += Math.abs(series[i] - series[k]);
            }
        }
        for (int j = tau; j < kappa; j++) {
            for (int k = j + 1; k < kappa; k++) {
                withinY += Math.abs(series[j] - series[k]);
            }
        }
        return q(n, m, cross, withinX, withinY);
    }

    private static double q(int n, int m, double cross, double withinX, double withinY) {
        double nm = n + m;
        return 2.0 / nm * cross - (n > 1 ? 2.0 * m / (nm * (n - 1)) * withinX : 0) - (m > 1 ? 2.0 * n / (nm * (m - 1)) * withinY : 0);
    }

    private record Candidate(int tau, int kappa, double qhat) {
    }

    /**
     * The (tau, kappa) of the largest Q in [start, end) with at least {@link #MIN_SEGMENT} points on each side, the
     * first one in (tau, kappa) order on ties; null when the interval is too short.
     */
    private Candidate best(int start, int end) {
        if (end - start < 2 * MIN_SEGMENT) {
            return null;
        }
        Candidate best = null;
        double withinX = 0;
        for (int i = start; i < start + MIN_SEGMENT; i++) {
            for (int k = i + 1; k < start + MIN_SEGMENT; k++) {
                withinX += dist[i][k];
            }
        }
        for (int tau = start + MIN_SEGMENT; tau <= end - MIN_SEGMENT; tau++) {
            if (tau > start + MIN_SEGMENT) {
                for (int i = start; i < tau - 1; i++) {
                    withinX += dist[i][tau - 1];
                }
            }
            int n = tau - start;
            double cross = 0;
            double withinY = 0;
            for (int kappa = tau + 1; kappa <= end; kappa++) {
                int y = kappa - 1;
                for (int i = start; i < tau; i++) {
                    cross += dist[i][y];
                }
                for (int j = tau; j < y; j++) {
                    withinY += dist[j][y];
                }
                if (kappa - tau < MIN_SEGMENT) {
                    continue;
                }
                double qv = q(n, kappa - tau, cross, withinX, withinY);
                if (best == null || qv > best.qhat) {
                    best = new Candidate(tau, kappa, qv);
                }
            }
        }
        return best;
    }

    /** Boundaries of the segments between sorted change points: 0, cp..., n. */
    private int[] bounds(List<Integer> cps) {
        int[] b = new int[cps.size() + 2];
        b[0] = 0;
        for (int i = 0; i < cps.size(); i++) {
            b[i + 1] = cps.get(i);
        }
        b[b.length - 1] = x.length;
        return b;
    }

    private List<ChangePoint> split(double maxPValue) {
        List<Integer> found = new ArrayList<>();
        List<ChangePoint> out = new ArrayList<>();
        while (true) {
            int[] b = bounds(found);
            Candidate best = null;
            int from = 0;
            int to = 0;
            for (int s = 0; s + 1 < b.length; s++) {
                Candidate c = best(b[s], b[s + 1]);
                if (c != null && (best == null || c.qhat > best.qhat)) {
                    best = c;
                    from = b[s];
                    to = b[s + 1];
                }
            }
            if (best == null) {
                break;
            }
            ChangePoint cp = test(best.tau, best.qhat, from, to);
            if (cp.pValue() > maxPValue) {
                break;
            }
            found.add(best.tau);
            found.sort(Comparator.naturalOrder());
            out.add(cp);
        }
        out.sort(Comparator.comparingInt(ChangePoint::index));
        return out;
    }

    /** Hunter's merge: drop the weakest change point and re-test the rest until all are significant and relevant. */
    private List<ChangePoint> merge(List<ChangePoint> weak, double maxPValue, Relevance relevance) {
        List<ChangePoint> cps = restat(weak);
        while (!cps.isEmpty()) {
            ChangePoint weakest = cps.stream().max(Comparator.comparingDouble(ChangePoint::pValue)).orElseThrow();
            if (weakest.pValue() <= maxPValue) {
                // every one is significant: drop the smallest change that is not relevant, if any
                weakest = cps.stream().filter(c -> !relevance.relevant(c.meanBefore(), c.meanAfter()))
                        .min(Comparator.comparingDouble(c -> Math.abs(c.meanAfter() - c.meanBefore()))).orElse(null);
                if (weakest == null) {
                    return cps;
                }
            }
            List<ChangePoint> rest = new ArrayList<>(cps);
            rest.remove(weakest);
            cps = restat(rest);
        }
        return cps;
    }

    /** Each change point tested between its neighbours (the segments on either side). */
    private List<ChangePoint> restat(List<ChangePoint> cps) {
        List<Integer> idx = cps.stream().map(ChangePoint::index).sorted().toList();
        int[] b = bounds(idx);
        List<ChangePoint> out = new ArrayList<>();
        for (int i = 0; i < idx.size(); i++) {
            int at = idx.get(i);
            double qhat = cps.stream().filter(c -> c.index() == at).findFirst().orElseThrow().qhat();
            out.add(test(at, qhat, b[i], b[i + 2]));
        }
        return out;
    }

    /** The t-test between series[from, at) and series[at, to). */
    private ChangePoint test(int at, double qhat, int from, int to) {
        double[] left = java.util.Arrays.copyOfRange(x, from, at);
        double[] right = java.util.Arrays.copyOfRange(x, at, to);
        return new ChangePoint(at, qhat, tTestPValue(left, right), mean(left), mean(right));
    }

    static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }

    /**
     * Two-sided p-value of Student's t-test with pooled variance (sample variances, n - 1): 1 when there are fewer
     * than 3 points in all (no degree of freedom); with no variance on either side, 0 when the means differ and 1 when
     * they do not. A side may hold a single point (the newest run, against the runs before it).
     */
    static double tTestPValue(double[] a, double[] b) {
        int df = a.length + b.length - 2;
        if (a.length == 0 || b.length == 0 || df < 1) {
            return 1.0;
        }
        double ma = mean(a);
        double mb = mean(b);
        double ss = 0;
        for (double v : a) {
            ss += (v - ma) * (v - ma);
        }
        for (double v : b) {
            ss += (v - mb) * (v - mb);
        }
        double se = Math.sqrt(ss / df * (1.0 / a.length + 1.0 / b.length));
        if (se == 0) {
            return ma == mb ? 1.0 : 0.0;
        }
        double t = Math.abs(ma - mb) / se;
        return Math.min(1.0, 2.0 * new TDistribution(null, df).cumulativeProbability(-t));
    }
}
