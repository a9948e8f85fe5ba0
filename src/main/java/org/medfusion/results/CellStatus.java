package org.medfusion.results;

/**
 * Outcome of measuring one cell. {@link #OK} and {@link #OOM} are results (an out-of-memory is a finding about the
 * cell, recorded only on evidence of it); {@link #ERROR} and {@link #CRASH} are failures of the measurement and are
 * measured again on resume; {@link #UNSUPPORTED} means this environment cannot measure the cell (no GPU, amp).
 */
public enum CellStatus {
    OK, OOM, ERROR, UNSUPPORTED,
    /** A fork died from a signal (native crash, kill); the message names the signal and the native frame. */
    CRASH;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** True for a measured outcome (ok, oom): what a run must produce for every cell to succeed. */
    public boolean isResult() {
        return this == OK || this == OOM;
    }

    /** True for a failed measurement (error, crash): not a result, measured again on resume. */
    public boolean isFailure() {
        return this == ERROR || this == CRASH;
    }
}
