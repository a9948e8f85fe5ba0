package org.medfusion.checkpoint;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a cell's blocks are cut into segments: a coordinate of every cell (matrix YAML {@code split:}, CLI
 * {@code --split}, raw.csv column {@code split}, report, gate), so a run with one split is never mistaken for
 * another. Meaningless without checkpointing: a plain cell is always {@link #UNIFORM}.
 */
public enum Split {
    /** Equal block counts per segment (sizes differ by at most one). */
    UNIFORM(SplitPolicy.UNIFORM),
    /** PyTorch's {@code checkpoint_sequential} rule: S-1 segments of n/S blocks, the last one the rest. */
    TORCH(SplitPolicy.TORCH_SEQUENTIAL);

    private final SplitPolicy policy;

    Split(SplitPolicy policy) {
        this.policy = policy;
    }

    public SplitPolicy policy() {
        return policy;
    }

    /** The name used in YAML, CLI, CSV and JSON: {@code uniform}, {@code torch}. */
    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> labels() {
        return Arrays.stream(values()).map(Split::label).toList();
    }

    /** Parses a label; one-line error naming the value and what is allowed. */
    @JsonCreator
    public static Split parse(String label) {
        for (Split s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("split must be one of " + String.join(", ", labels()) + ", got '" + label + "'");
    }
}
