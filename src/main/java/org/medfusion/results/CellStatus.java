package org.medfusion.results;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import org.medfusion.platform.EnumLabels;

/**
 * Outcome of measuring one cell. {@link #OK} and {@link #OOM} are results (an out-of-memory is a finding about the
 * cell, recorded only on evidence of it); {@link #ERROR} and {@link #CRASH} are failures of the measurement and are
 * measured again on resume; {@link #UNSUPPORTED} means this environment cannot measure the cell (no GPU, amp).
 */
public enum CellStatus {
    OK, OOM, ERROR, UNSUPPORTED,
    /** A fork died from a signal (native crash, kill); the message names the signal and the native frame. */
    CRASH;

    /** The name in JSON, CSV and reports: {@code ok}, {@code oom}, {@code error}, {@code unsupported}, {@code crash}. */
    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a label, case-insensitively (cell files written before labels were lower-case say {@code OK}). */
    @JsonCreator
    public static CellStatus parse(String label) {
        return EnumLabels.parseIgnoringCase(values(), CellStatus::label, "status", label);
    }

    /** True for a failed measurement (error, crash): not a result, measured again on resume. */
    public boolean isFailure() {
        return this == ERROR || this == CRASH;
    }
}
