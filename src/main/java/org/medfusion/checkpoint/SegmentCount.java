package org.medfusion.checkpoint;

/**
 * The one rule for a segment count: checkpointing needs {@code 1 <= segments <= blocks}; a cell also allows
 * 0 (checkpointing off). Every layer that takes a segment count (engine, backbone, matrix, CLI) checks it here,
 * so a bad count reads the same wherever it is caught.
 */
public final class SegmentCount {

    private SegmentCount() {
    }

    /** Checkpointing on: {@code 1 <= segments <= blocks}; {@code owner} names the model (null: unnamed). */
    public static void requireEnabled(String owner, int blocks, int segments) {
        if (segments < 1 || segments > blocks) {
            throw new IllegalArgumentException(message(owner, blocks, segments, false));
        }
    }

    /** A cell's count: 0 (off) or {@code 1 <= segments <= blocks}. */
    public static void requireCell(String owner, int blocks, int segments) {
        if (segments < 0 || segments > blocks) {
            throw new IllegalArgumentException(message(owner, blocks, segments, true));
        }
    }

    /** The one message: names the model, the allowed range and the bad value. */
    static String message(String owner, int blocks, int segments, boolean offAllowed) {
        return "segments" + (owner == null ? "" : " for " + owner) + " must be " + (offAllowed ? "0 (off) or " : "")
                + "between 1 and " + blocks + " (its checkpointable blocks), got " + segments;
    }
}
