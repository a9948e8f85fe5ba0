package org.medfusion.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.medfusion.checkpoint.SegmentPlan;

/** The planner's predicted timeline, worked by hand on two blocks: the terms of the step peak, event by event. */
class PredictedTimelineTest {

    // out, kept, forward peak, no-grad forward peak, backward peak
    private static final MemoryModel MODEL = new MemoryModel(List.of(
            new BlockProfile(0, "b0", 10, 30, 40, 20, 50, 1, 1, 1),
            new BlockProfile(1, "b1", 5, 15, 20, 10, 25, 1, 1, 1)), 7);

    private static List<String> events(SegmentPlan plan) {
        return MODEL.timeline(plan).stream().map(e -> e.event().label() + "/" + e.block() + "/" + e.segment() + "=" + e.peakAboveStartBytes())
                .toList();
    }

    @Test
    void recomputedSegmentThenStoredOne() {
        SegmentPlan plan = SegmentPlan.parse("0-1r,1-2s");
        assertEquals(List.of(
                "forward no-grad/0/0=20", // its no-grad peak
                "boundary kept/0/0=10", // its output, kept
                "forward/1/1=30", // the boundary + block 1's forward peak
                "backward/1/1=50", // the boundary + block 1's kept bytes + its backward peak (no upstream gradient: the last segment)
                "recompute start/0/0=10", // the gradient of segment 0's output (the boundary is handed on to the recompute)
                "recompute forward/0/0=50", // that gradient + block 0's forward peak
                "recompute end/0/0=40", // that gradient + block 0's kept bytes
                "backward/0/0=90", // kept + gradient + backward peak: the step's peak
                "optimizer update/-1/-1=7"), events(plan));
        assertEquals(90, MODEL.predict(plan).peakBytes());
    }

    @Test
    void plainStepIsOneStoredSegment() {
        SegmentPlan plain = SegmentPlan.of(List.of(new SegmentPlan.Range(0, 2)));
        // the backward's peak is block 0's: its kept 30 + the gradient of its output 10 + its backward peak 50
        assertEquals(List.of("forward/0/0=40", "forward/1/0=50", "backward/1/0=90", "optimizer update/-1/-1=7"), events(plain));
        assertEquals(90, MODEL.predict(plain).peakBytes());
    }
}
