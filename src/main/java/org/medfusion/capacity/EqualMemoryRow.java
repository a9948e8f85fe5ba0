package org.medfusion.capacity;

import org.medfusion.results.MemoryMethod;

/**
 * One mode of an equal-memory comparison: the largest batch whose measured step peak fits the cap, and the step time
 * and throughput measured at that batch. Missing figures are null (never estimated).
 *
 * @param capBytes the cap, compared with {@code peakBytes}: the peak of one training step above its steady state
 * @param segments the cell's segment count (0 for plain)
 * @param plan the segments run at the largest batch, e.g. {@code [0,1) [1,2) [2,3) [3,10)}; empty for plain or when
 *     nothing fits
 * @param largestBatch 0 when not even batch 1 fits
 * @param reachedMaxBatch the largest batch is the search's upper limit: the true one may be larger
 * @param peakBytes measured peak at the largest batch
 * @param memoryMethod how the peaks were measured (null when no probe measured one)
 * @param stepMsMedian median step time at the largest batch (ms)
 * @param stepMsCiLow lower end of its 95% confidence interval
 * @param stepMsCiHigh upper end
 * @param stepSamples how many steps were timed (0 when not timed)
 * @param timeNote why the step time is missing (empty when measured)
 * @param probes every probe of the search in measurement order, {@code batch:peak_bytes} or {@code batch:status}
 * @param modelStateBytes weights, gradients and AdamW's two moments, 16 bytes per fp32 parameter (computed from the
 *     parameter count, not measured; the same in every mode, and part of the steady state, not of the peak); null
 *     where not computed (amp)
 */
public record EqualMemoryRow(String model, int res, String precision, String device, long capBytes, CapacityMode mode, int segments,
        String plan, int largestBatch, boolean reachedMaxBatch, Long peakBytes, MemoryMethod memoryMethod, Double stepMsMedian,
        Double stepMsCiLow, Double stepMsCiHigh, int stepSamples, String timeNote, String probes, Long modelStateBytes) {

    /** Samples per second at the largest batch: batch / median step time; null without a step time. */
    public Double throughput() {
        return perSecond(stepMsMedian);
    }

    /**
     * Lower end of the throughput's 95% interval: batch / upper end of the step time's. A monotone transform of the
     * median's distribution-free interval is the interval of the transformed median, so this is exact, not approximate.
     */
    public Double throughputCiLow() {
        return perSecond(stepMsCiHigh);
    }

    public Double throughputCiHigh() {
        return perSecond(stepMsCiLow);
    }

    private Double perSecond(Double ms) {
        return ms == null || ms <= 0 || largestBatch == 0 ? null : largestBatch * 1000.0 / ms;
    }
}
