package org.medfusion.planner;

import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.results.CellKey;
import org.medfusion.results.Environment;

/**
 * The predicted peak of a measured cell, shown beside its measured peak in the report: the memory model of
 * the profile cached for the cell's configuration <i>in the environment the run was measured in</i>, applied
 * to the plan the cell ran (plain, or its split at its segment count). Looks up the cache only: without a
 * cached profile (or without the run's environment) the prediction is missing, never measured or guessed.
 */
public final class PeakPrediction {

    private PeakPrediction() {
    }

    /** Predicted peak bytes of {@code cell} run in {@code env}, or null when no profile of it is cached there. */
    public static Long cached(CellKey cell, Environment env) {
        if (env == null) {
            return null;
        }
        ProfileKey key = new ProfileKey(cell.model(), cell.batch(), cell.res(), cell.precision(), cell.device());
        return ProfileCache.standard().cached(key, env).map(p -> predict(p, cell)).orElse(null);
    }

    /** Predicted peak bytes of {@code cell}'s plan from {@code profile}. */
    public static long predict(ModelProfile profile, CellKey cell) {
        MemoryModel model = profile.memoryModel();
        int n = model.blockCount();
        SegmentPlan plan;
        if (cell.segments() <= 1) {
            plan = SegmentPlan.uniform(n, 1);
        } else if (cell.split().needsProfile()) {
            plan = new SegmentPlanner(model).leastPeak(cell.segments()).plan();
        } else {
            plan = cell.split().policy().plan(n, cell.segments());
        }
        return model.predict(plan).peakBytes();
    }
}
