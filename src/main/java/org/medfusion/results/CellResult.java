package org.medfusion.results;

import java.util.List;

/**
 * Everything measured for one cell. Missing figures are null (never invented): a memory figure the
 * machine cannot measure, or every figure of a cell that ran out of memory.
 *
 * @param peakBytes peak memory of one training step above the steady state, in bytes
 * @param memoryMethod how {@code peakBytes} was measured: {@code cpu.rss.peak},
 *     {@code cuda.reserved.peak} or {@code cuda.allocated.peak}
 * @param memoryRepeats every peak measured (one per memory fork), for the reproducibility check
 * @param stepMsSamples raw step times (ms), one per measured training step
 * @param stepMsMedian median of the samples
 * @param stepMsCiLow lower bound of the 95% confidence interval of the median
 * @param stepMsCiHigh upper bound of that interval
 * @param recomputeForwardMs forward time (ms) of the segments a checkpointed step recomputes
 *     (segments 0..S-2); null for plain cells
 * @param message error text for status ERROR / OOM / UNSUPPORTED
 */
public record CellResult(CellKey key, String family, CellStatus status, Long peakBytes, String memoryMethod,
        List<Long> memoryRepeats, List<Double> stepMsSamples, Double stepMsMedian, Double stepMsCiLow,
        Double stepMsCiHigh, Double recomputeForwardMs, String message) {

    public CellResult {
        memoryRepeats = memoryRepeats == null ? List.of() : List.copyOf(memoryRepeats);
        stepMsSamples = stepMsSamples == null ? List.of() : List.copyOf(stepMsSamples);
    }

    public static CellResult failed(CellKey key, String family, CellStatus status, String message) {
        return new CellResult(key, family, status, null, null, List.of(), List.of(), null, null, null, null, message);
    }
}
