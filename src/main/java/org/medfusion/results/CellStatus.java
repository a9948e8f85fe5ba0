package org.medfusion.results;

/** Outcome of measuring one cell: an out-of-memory is a result, not a crash. */
public enum CellStatus {
    OK, OOM, ERROR, UNSUPPORTED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
