package org.medfusion.checkpoint;

/** Chooses the segment boundaries for a block list; {@link #UNIFORM} is PyTorch's checkpoint_sequential rule. */
@FunctionalInterface
public interface SplitPolicy {

    /** Equal block counts per segment. */
    SplitPolicy UNIFORM = SegmentPlan::uniform;

    SegmentPlan plan(int blockCount, int segments);
}
