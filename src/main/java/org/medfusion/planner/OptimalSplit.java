package org.medfusion.planner;

/** The plan {@code split: optimal} runs: least predicted peak for the segment count, from the cached profile. */
public final class OptimalSplit {

    private OptimalSplit() {
    }

    /**
     * The policy a cell with {@code split} runs: the split's own for {@code uniform}/{@code torch}; for
     * {@code optimal} the fixed plan from {@link #plan} (the one place that turns a cell's split into boundaries).
     */
    public static org.medfusion.checkpoint.SplitPolicy policy(org.medfusion.checkpoint.Split split, ProfileKey key, int segments) {
        return split.needsProfile() ? org.medfusion.checkpoint.SplitPolicy.fixed(plan(key, segments).plan()) : split.policy();
    }

    /** Loads (or measures and caches) the profile of {@code key} and plans {@code segments} segments. */
    public static PlannedSegments plan(ProfileKey key, int segments) {
        ModelProfile profile = ProfileCache.standard().loadOrMeasure(key, false);
        return new SegmentPlanner(profile.memoryModel()).leastPeak(segments);
    }
}
