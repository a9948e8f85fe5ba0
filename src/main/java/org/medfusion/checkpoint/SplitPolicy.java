package org.medfusion.checkpoint;

/**
 * Chooses the segment boundaries for a block list: {@link #UNIFORM} cuts equal block counts,
 * {@link #TORCH_SEQUENTIAL} is PyTorch's {@code checkpoint_sequential} rule. Cells name them through {@link Split}.
 */
@FunctionalInterface
public interface SplitPolicy {

    /** Equal block counts per segment (sizes differ by at most one). */
    SplitPolicy UNIFORM = SegmentPlan::uniform;

    /**
     * PyTorch's {@code checkpoint_sequential}: the first S-1 segments get n/S blocks each (integer
     * division) and the last segment, which runs without checkpointing, the rest.
     */
    SplitPolicy TORCH_SEQUENTIAL = (n, s) -> {
        SegmentCount.requireEnabled(null, n, s);
        int size = n / s;
        java.util.List<SegmentPlan.Range> ranges = new java.util.ArrayList<>();
        for (int k = 0; k < s - 1; k++) {
            ranges.add(new SegmentPlan.Range(k * size, (k + 1) * size));
        }
        ranges.add(new SegmentPlan.Range((s - 1) * size, n));
        return SegmentPlan.of(ranges);
    };

    /** A policy by its {@link Split} label: {@code uniform} or {@code torch} ({@code optimal} needs a profile: throws). */
    static SplitPolicy named(String name) {
        return Split.parse(name).policy();
    }

    SegmentPlan plan(int blockCount, int segments);

    /** A policy that always returns {@code plan} (for plans chosen elsewhere, e.g. by the planner). */
    static SplitPolicy fixed(SegmentPlan plan) {
        return (n, s) -> {
            if (n != plan.blockCount() || s != plan.segmentCount()) {
                throw new IllegalArgumentException("the fixed plan " + plan + " has " + plan.segmentCount() + " segments over "
                        + plan.blockCount() + " blocks, asked for " + s + " over " + n);
            }
            return plan;
        };
    }
}
