package org.medfusion.checkpoint;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;
import org.medfusion.platform.EnumLabels;

/**
 * How a cell's blocks are cut into segments: a coordinate of every cell (matrix YAML {@code split:}, CLI
 * {@code --split}, raw.csv column {@code split}, report, gate), so a run with one split is never mistaken for
 * another. Meaningless without checkpointing: a plain cell is always {@link #UNIFORM}.
 */
public enum Split {
    /** Equal block counts per segment (sizes differ by at most one). */
    UNIFORM(SplitPolicy.UNIFORM),
    /** PyTorch's {@code checkpoint_sequential} rule: S-1 segments of n/S blocks, the last one the rest. */
    TORCH(SplitPolicy.TORCH_SEQUENTIAL),
    /**
     * The boundaries that minimise the predicted step peak for the segment count (ties: least recompute),
     * chosen by {@code org.medfusion.planner.SegmentPlanner} from the model's measured profile at the
     * cell's configuration; not a function of (blocks, segments) alone, so it has no {@link #policy()}.
     */
    OPTIMAL(null);

    private final SplitPolicy policy;

    Split(SplitPolicy policy) {
        this.policy = policy;
    }

    /**
     * The policy cutting by block count alone.
     *
     * @throws IllegalStateException for {@link #OPTIMAL}, whose plan needs a profile ({@link #needsProfile()})
     */
    public SplitPolicy policy() {
        if (policy == null) {
            throw new IllegalStateException("split '" + label() + "' needs the model's profile: plan it with org.medfusion.planner.SegmentPlanner");
        }
        return policy;
    }

    /** Whether the plan depends on the model's measured profile rather than on block counts. */
    public boolean needsProfile() {
        return policy == null;
    }

    /** The name used in YAML, CLI, CSV and JSON: {@code uniform}, {@code torch}, {@code optimal}. */
    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> labels() {
        return EnumLabels.labels(values(), Split::label);
    }

    /** Parses a label; one-line error naming the value and what is allowed. */
    @JsonCreator
    public static Split parse(String label) {
        return EnumLabels.parse(values(), Split::label, "split", label);
    }
}
