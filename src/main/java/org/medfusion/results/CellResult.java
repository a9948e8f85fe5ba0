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
 * @param pairedPlainMsSamples for a checkpointed cell, the time (ms) of a plain step run in the same timing fork just
 *     before each measured checkpointed step (checkpointing switched off for it, the same model and batch): element i
 *     pairs with {@code stepMsSamples[i]}, so their ratio is free of the fork's and the machine's speed. Empty for
 *     plain cells and for cells measured before paired steps existed.
 */
public record CellResult(CellKey key, String family, CellStatus status, Long peakBytes, String memoryMethod,
        List<Long> memoryRepeats, List<Double> stepMsSamples, Double stepMsMedian, Double stepMsCiLow,
        Double stepMsCiHigh, Double recomputeForwardMs, String message, List<Double> pairedPlainMsSamples) {

    public CellResult {
        memoryRepeats = memoryRepeats == null ? List.of() : List.copyOf(memoryRepeats);
        stepMsSamples = stepMsSamples == null ? List.of() : List.copyOf(stepMsSamples);
        pairedPlainMsSamples = pairedPlainMsSamples == null ? List.of() : List.copyOf(pairedPlainMsSamples);
        if (!pairedPlainMsSamples.isEmpty() && pairedPlainMsSamples.size() != stepMsSamples.size()) {
            throw new IllegalArgumentException("paired plain samples (" + pairedPlainMsSamples.size()
                    + ") must pair one to one with the step samples (" + stepMsSamples.size() + ")");
        }
    }

    /** A cell without paired plain steps (plain cells, older files). */
    public CellResult(CellKey key, String family, CellStatus status, Long peakBytes, String memoryMethod,
            List<Long> memoryRepeats, List<Double> stepMsSamples, Double stepMsMedian, Double stepMsCiLow,
            Double stepMsCiHigh, Double recomputeForwardMs, String message) {
        this(key, family, status, peakBytes, memoryMethod, memoryRepeats, stepMsSamples, stepMsMedian, stepMsCiLow,
                stepMsCiHigh, recomputeForwardMs, message, List.of());
    }

    /**
     * The paired slowdown samples: each checkpointed step over the plain step run just before it in the same fork;
     * empty when the cell has no paired plain steps.
     */
    public List<Double> pairedRatios() {
        List<Double> out = new java.util.ArrayList<>(pairedPlainMsSamples.size());
        for (int i = 0; i < pairedPlainMsSamples.size(); i++) {
            out.add(stepMsSamples.get(i) / pairedPlainMsSamples.get(i));
        }
        return out;
    }

    /** This result with another message (a failed cell's explanation reworded for where it is shown). */
    public CellResult withMessage(String text) {
        return new CellResult(key, family, status, peakBytes, memoryMethod, memoryRepeats, stepMsSamples, stepMsMedian, stepMsCiLow,
                stepMsCiHigh, recomputeForwardMs, text, pairedPlainMsSamples);
    }

    public static CellResult failed(CellKey key, String family, CellStatus status, String message) {
        return new CellResult(key, family, status, null, null, List.of(), List.of(), null, null, null, null, message);
    }
}
