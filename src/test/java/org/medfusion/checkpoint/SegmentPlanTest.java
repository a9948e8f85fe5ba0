package org.medfusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentPlanTest {

    @Test
    void uniformSplitCoversEveryBlockOnceWithSizesWithinOne() {
        SegmentPlan p = SegmentPlan.uniform(18, 4);
        assertEquals(List.of(new SegmentPlan.Range(0, 5), new SegmentPlan.Range(5, 10),
                new SegmentPlan.Range(10, 14), new SegmentPlan.Range(14, 18)), p.ranges());
        for (int n = 1; n <= 40; n++) {
            for (int s = 1; s <= n; s++) {
                SegmentPlan q = SegmentPlan.uniform(n, s);
                assertEquals(s, q.segmentCount());
                assertEquals(n, q.blockCount());
                int min = q.ranges().stream().mapToInt(SegmentPlan.Range::size).min().orElseThrow();
                int max = q.ranges().stream().mapToInt(SegmentPlan.Range::size).max().orElseThrow();
                assertTrue(max - min <= 1);
            }
        }
    }

    @Test
    void torchPolicyPutsTheRemainderInTheLastSegment() {
        assertEquals(List.of(new SegmentPlan.Range(0, 4), new SegmentPlan.Range(4, 8), new SegmentPlan.Range(8, 12),
                new SegmentPlan.Range(12, 18)), SplitPolicy.TORCH_SEQUENTIAL.plan(18, 4).ranges());
        assertEquals(SplitPolicy.TORCH_SEQUENTIAL, SplitPolicy.named("torch"));
        assertThrows(IllegalArgumentException.class, () -> SplitPolicy.named("greedy"));
        assertThrows(IllegalArgumentException.class, () -> SplitPolicy.TORCH_SEQUENTIAL.plan(18, 19));
    }

    @Test
    void impossibleSegmentCountsNameTheValueAndTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SegmentPlan.uniform(18, 0));
        assertEquals("segments must be between 1 and 18 (its checkpointable blocks), got 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SegmentPlan.uniform(18, 19));
        assertThrows(IllegalArgumentException.class, () -> SegmentPlan.of(List.of(new SegmentPlan.Range(0, 2), new SegmentPlan.Range(3, 4))));
    }

    @Test
    void storedAndRecomputedSegments() {
        assertEquals(List.of(true, true, false), SegmentPlan.uniform(9, 3).recomputed(), "count-based: all but the last recomputed");
        SegmentPlan p = SegmentPlan.parse("0-3s,3-5r,5-9s");
        assertEquals(List.of(new SegmentPlan.Range(0, 3), new SegmentPlan.Range(3, 5), new SegmentPlan.Range(5, 9)), p.ranges());
        assertEquals(List.of(false, true, false), p.recomputed());
        assertEquals("0-3s,3-5r,5-9s", p.spec());
        assertEquals(p, SegmentPlan.parse(p.spec()));
        assertEquals(SegmentPlan.uniform(9, 3), SegmentPlan.parse(SegmentPlan.uniform(9, 3).spec()));
        assertTrue(SegmentPlan.parse("0-4s,4-9s").recomputesNothing());
        IllegalArgumentException last = assertThrows(IllegalArgumentException.class, () -> SegmentPlan.parse("0-4s,4-9r"));
        assertTrue(last.getMessage().contains("'0-4s,4-9r'"), last.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SegmentPlan.parse("0-4x,4-9s"));
        assertThrows(IllegalArgumentException.class, () -> SegmentPlan.parse("0-4r,5-9s"));
        assertThrows(IllegalArgumentException.class, () -> SegmentPlan.of(SegmentPlan.uniform(9, 3).ranges(), List.of(true, false)));
    }
}
