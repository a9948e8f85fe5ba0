package org.medfusion.planner;

import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.checkpoint.Split;
import org.medfusion.checkpoint.SplitPolicy;

/** The plan {@code split: optimal} runs: least predicted peak for the segment count, from the cached profile. */
public final class OptimalSplit {

    /**
     * System property naming an explicit plan ({@link SegmentPlan#spec()}, e.g. {@code 0-4s,4-9r,9-18s}) that a
     * JVM runs for its {@code split: optimal} cell instead of the least-peak plan of the segment count. It is how
     * {@code plan --measure} measures the budget plan it chose, whose stored segments no cell coordinate can name;
     * only that command sets it (on its measuring forks), never a run of the matrix.
     */
    public static final String EXPLICIT_PLAN_PROPERTY = "medfusion.plan";

    private OptimalSplit() {
    }

    /**
     * The policy a cell with {@code split} runs: the split's own for {@code uniform}/{@code torch}; for
     * {@code optimal} the fixed plan from {@link #plan} (the one place that turns a cell's split into boundaries),
     * or the explicit plan of {@link #EXPLICIT_PLAN_PROPERTY} when this JVM was given one.
     */
    public static SplitPolicy policy(Split split, ProfileKey key, int segments) {
        if (!split.needsProfile()) {
            return split.policy();
        }
        String explicit = System.getProperty(EXPLICIT_PLAN_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            return SplitPolicy.fixed(SegmentPlan.parse(explicit));
        }
        return SplitPolicy.fixed(plan(key, segments).plan());
    }

    /** The JVM option that makes a fork run {@code plan} for its {@code split: optimal} cell. */
    public static String explicitPlanJvmArg(SegmentPlan plan) {
        return "-D" + EXPLICIT_PLAN_PROPERTY + "=" + plan.spec();
    }

    /** Loads (or measures and caches) the profile of {@code key} and plans {@code segments} segments. */
    public static PlannedSegments plan(ProfileKey key, int segments) {
        ModelProfile profile = ProfileCache.standard().loadOrMeasure(key, false);
        return new SegmentPlanner(profile.memoryModel()).leastPeak(segments);
    }
}
