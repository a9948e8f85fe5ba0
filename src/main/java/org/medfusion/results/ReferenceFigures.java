package org.medfusion.results;

/**
 * A reference framework's figures of one cell (PyTorch's, {@code reference.TorchReference}): what a run stores beside
 * the cell ({@link ReferenceStore}) and {@code measure --reference} prints. They stand beside our figures and never
 * decide a cell's status: a framework that is not there, or a cell it cannot run, is {@link #notAvailable} with the
 * reason.
 *
 * @param status {@code ok}, {@code error} (the reference ran and failed: its message) or {@code not available}
 * @param message why not ok (null when ok)
 * @param peakBytes the reference's step peak by our {@code cpu.rss.peak} method (median over its measured steps)
 * @param mallocPeakBytes the allocation counter's peak of its step, when preloaded
 * @param stepMsMedian its step time, median
 * @param plainRatioMedian its checkpointed / plain step time, median over pairs (checkpointed cells)
 * @param torch the framework's versions and interpreter
 * @param threads the intra-op threads it ran with
 */
public record ReferenceFigures(String status, String message, Long peakBytes, Long mallocPeakBytes, Double stepMsMedian,
        Double plainRatioMedian, String torch, int threads) {

    public static final String OK = "ok";
    public static final String ERROR = "error";
    public static final String NOT_AVAILABLE = "not available";

    public static ReferenceFigures notAvailable(String why) {
        return new ReferenceFigures(NOT_AVAILABLE, why, null, null, null, null, null, 0);
    }

    public boolean ok() {
        return OK.equals(status);
    }

    /** Ours over the reference's, or null when either is missing. */
    public static Double ratio(Number ours, Number theirs) {
        return ours == null || theirs == null || theirs.doubleValue() == 0 ? null : ours.doubleValue() / theirs.doubleValue();
    }
}
