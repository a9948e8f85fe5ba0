package org.medfusion.capacity;

import java.util.Locale;
import org.medfusion.checkpoint.Split;
import org.medfusion.platform.EnumLabels;

/** What an equal-memory comparison runs at each batch: no checkpointing, the uniform split, or the planner's optimal split. */
public enum CapacityMode {
    PLAIN(null),
    UNIFORM(Split.UNIFORM),
    OPTIMAL(Split.OPTIMAL);

    private final Split split;

    CapacityMode(Split split) {
        this.split = split;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The cell's segment count: 0 for plain, else the comparison's. */
    public int segments(int segments) {
        return split == null ? 0 : segments;
    }

    /** The cell's split (uniform for plain, whose cell ignores it). */
    public Split split() {
        return split == null ? Split.UNIFORM : split;
    }

    public boolean checkpointed() {
        return split != null;
    }

    /** @throws IllegalArgumentException naming the value and the allowed ones */
    public static CapacityMode parse(String label) {
        return EnumLabels.parseIgnoringCase(values(), CapacityMode::label, "mode", label);
    }
}
