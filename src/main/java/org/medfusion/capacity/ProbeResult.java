package org.medfusion.capacity;

import org.medfusion.results.CellStatus;

/**
 * One probe of the largest-batch search: the batch, how its measurement ended and, when it ended {@code ok}, the
 * measured peak (null when the machine could not measure it, or the cell failed).
 *
 * @param message why a failed probe failed (null when ok)
 */
public record ProbeResult(int batch, CellStatus status, Long peakBytes, String message) {

    public static ProbeResult measured(int batch, long peakBytes) {
        return new ProbeResult(batch, CellStatus.OK, peakBytes, null);
    }

    public static ProbeResult failed(int batch, CellStatus status, String message) {
        return new ProbeResult(batch, status, null, message);
    }

    /** Fits only on evidence: the cell finished and its measured peak is at most the cap. */
    public boolean fits(long capBytes) {
        return status == CellStatus.OK && peakBytes != null && peakBytes <= capBytes;
    }

    /** {@code 16:107034112} for a measured peak, {@code 32:oom} (the status) for a failed probe, {@code 8:missing} for no figure. */
    public String text() {
        if (status != CellStatus.OK) {
            return batch + ":" + status.label();
        }
        return batch + ":" + (peakBytes == null ? "missing" : peakBytes.toString());
    }
}
