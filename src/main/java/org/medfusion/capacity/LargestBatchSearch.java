package org.medfusion.capacity;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the largest batch whose measured step peak fits a memory cap, by measuring: growth from a start batch until
 * a probe does not fit, then narrowing the bracket (largest batch that fitted, smallest above it that did not) until
 * the two are adjacent. A probe that ends out of memory, crashed or failed counts as "does not fit"; the search goes on.
 *
 * <p>Peaks grow roughly linearly with the batch, so a probe is placed where the line through the two nearest measured
 * peaks crosses the cap (growth: at most 4x the last fitting batch; inside the bracket: strictly inside it). At most
 * two such steps run in a row before a plain midpoint step, so a peak function that is far from linear (or noisy)
 * costs at most about three times the probes of bisection. The bracket only ever shrinks, so the search ends even when
 * the measured peaks are not monotonic in the batch; its answer is then one measured crossing: a batch that fitted
 * with the next batch up measured not to fit (or the upper limit, which fitted).
 */
public final class LargestBatchSearch {

    /** A guard against a probe that never lets the bracket close; far above what a search up to 2^20 needs. */
    static final int MAX_PROBES = 64;
    private static final int INTERPOLATIONS_IN_A_ROW = 2;
    private static final int MAX_GROWTH = 4;

    private final long capBytes;
    private final int maxBatch;
    private final int startBatch;

    /**
     * @param capBytes the cap the measured peak is compared with
     * @param maxBatch the largest batch probed
     * @param startBatch the first batch probed (clamped to 1..maxBatch): a guess, e.g. the largest batch of a mode that
     *     uses more memory; the answer does not depend on it
     */
    public LargestBatchSearch(long capBytes, int maxBatch, int startBatch) {
        if (capBytes <= 0) {
            throw new IllegalArgumentException("cap must be positive, got " + capBytes);
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("--max-batch must be >= 1, got " + maxBatch);
        }
        this.capBytes = capBytes;
        this.maxBatch = maxBatch;
        this.startBatch = Math.max(1, Math.min(startBatch, maxBatch));
    }

    public SearchOutcome run(BatchProbe probe) {
        List<ProbeResult> probes = new ArrayList<>();
        ProbeResult lo = null; // the largest batch that fitted (below hi)
        ProbeResult hi = null; // the smallest batch that did not fit
        ProbeResult below = null; // the fitting probe lo replaced (growth extrapolates through it and lo)
        int interpolations = 0;
        int next = startBatch;
        while (next > 0 && probes.size() < MAX_PROBES) {
            ProbeResult r = probe.probe(next);
            if (r == null || r.batch() != next) {
                throw new IllegalStateException("probe of batch " + next + " returned " + r);
            }
            probes.add(r);
            if (r.fits(capBytes)) {
                below = lo;
                lo = r;
            } else {
                hi = r;
            }
            Step step = nextStep(below, lo, hi, interpolations);
            next = step.batch();
            interpolations = step.interpolated() ? interpolations + 1 : 0;
        }
        if (lo == null) {
            return new SearchOutcome(0, null, false, probes);
        }
        return new SearchOutcome(lo.batch(), lo.peakBytes(), hi == null && lo.batch() == maxBatch, probes);
    }

    /** The next batch to probe (0: done) and whether it was placed by interpolation. */
    private record Step(int batch, boolean interpolated) {
    }

    private Step nextStep(ProbeResult below, ProbeResult lo, ProbeResult hi, int interpolations) {
        if (hi == null) { // everything fitted so far: grow
            if (lo.batch() >= maxBatch) {
                return new Step(0, false);
            }
            long limit = Math.min(maxBatch, (long) MAX_GROWTH * lo.batch());
            Double crossing = below == null ? null : crossing(below, lo);
            if (crossing == null || interpolations >= INTERPOLATIONS_IN_A_ROW) {
                return new Step((int) Math.min(maxBatch, 2L * lo.batch()), false);
            }
            long firstAbove = (long) Math.floor(crossing) + 1; // the first batch the line puts above the cap
            return new Step((int) Math.max(lo.batch() + 1, Math.min(limit, firstAbove)), true);
        }
        if (lo == null) { // nothing fitted so far: shrink
            return new Step(hi.batch() == 1 ? 0 : hi.batch() / 2, false);
        }
        if (hi.batch() - lo.batch() <= 1) {
            return new Step(0, false);
        }
        int mid = lo.batch() + (hi.batch() - lo.batch()) / 2;
        Double crossing = crossing(lo, hi);
        if (crossing == null || interpolations >= INTERPOLATIONS_IN_A_ROW) {
            return new Step(mid, false);
        }
        long at = (long) Math.floor(crossing);
        return new Step((int) Math.max(lo.batch() + 1, Math.min(hi.batch() - 1, at)), true);
    }

    /** Where the line through two measured peaks reaches the cap; null when either peak is missing or they do not rise. */
    Double crossing(ProbeResult a, ProbeResult b) {
        if (a.peakBytes() == null || b.peakBytes() == null || b.peakBytes() <= a.peakBytes() || b.batch() == a.batch()) {
            return null;
        }
        double slope = (double) (b.peakBytes() - a.peakBytes()) / (b.batch() - a.batch());
        return a.batch() + (capBytes - a.peakBytes()) / slope;
    }
}
