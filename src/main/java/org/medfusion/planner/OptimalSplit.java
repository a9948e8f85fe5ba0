package org.medfusion.planner;

/** The plan {@code split: optimal} runs: least predicted peak for the segment count, from the cached profile. */
public final class OptimalSplit {

    private OptimalSplit() {
    }

    /** Loads (or measures and caches) the profile of {@code key} and plans {@code segments} segments. */
    public static PlannedSegments plan(ProfileKey key, int segments) {
        ModelProfile profile = ProfileCache.standard().loadOrMeasure(key, false);
        return new SegmentPlanner(profile.memoryModel()).leastPeak(segments);
    }
}
