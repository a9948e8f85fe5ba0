package org.medfusion.planner;

import java.util.ArrayList;
import java.util.List;
import org.medfusion.checkpoint.SegmentPlan;

/**
 * A segment plan with what the {@link MemoryModel} predicts for it. Each segment is recomputed or stored (the last
 * always stored: single-level checkpointing); one segment is the plain step.
 */
public record PlannedSegments(SegmentPlan plan, long predictedPeakBytes, double predictedOverheadMs) {

    public int segments() {
        return plan.segmentCount();
    }

    /** The start block of every segment after the first: where the plan cuts. */
    public List<Integer> boundaries() {
        List<Integer> out = new ArrayList<>();
        for (int k = 1; k < plan.segmentCount(); k++) {
            out.add(plan.ranges().get(k).start());
        }
        return out;
    }

    /** Per segment: true when it is recomputed in the backward, false when it is stored (kept with grad). */
    public List<Boolean> recomputed() {
        return plan.recomputed();
    }
}
