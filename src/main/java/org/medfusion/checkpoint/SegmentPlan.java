package org.medfusion.checkpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How an ordered list of blocks is cut into checkpoint segments: each segment is a half-open
 * range {@code [start, end)} of block indices, the segments cover every block once, in order.
 *
 * <p>{@link #uniform(int, int)} splits by block count as evenly as possible (segment sizes differ
 * by at most one, the larger ones first); other policies (by stage, by cost) produce a plan with
 * {@link #of(List)}.
 */
public final class SegmentPlan {

    /** One segment: blocks {@code start} (inclusive) to {@code end} (exclusive). */
    public record Range(int start, int end) {
        public Range {
            if (start < 0 || end <= start) {
                throw new IllegalArgumentException("empty or negative segment [" + start + ", " + end + ")");
            }
        }

        public int size() {
            return end - start;
        }
    }

    private final List<Range> ranges;

    private SegmentPlan(List<Range> ranges) {
        this.ranges = Collections.unmodifiableList(new ArrayList<>(ranges));
    }

    /**
     * Splits {@code blockCount} blocks into {@code segments} contiguous segments of equal block
     * count (differing by at most one).
     *
     * @throws IllegalArgumentException if segments is not within 1..blockCount
     */
    public static SegmentPlan uniform(int blockCount, int segments) {
        SegmentCount.requireEnabled(null, blockCount, segments);
        List<Range> out = new ArrayList<>(segments);
        int base = blockCount / segments;
        int extra = blockCount % segments;
        int start = 0;
        for (int s = 0; s < segments; s++) {
            int size = base + (s < extra ? 1 : 0);
            out.add(new Range(start, start + size));
            start += size;
        }
        return new SegmentPlan(out);
    }

    /** A plan from explicit ranges, which must be contiguous and start at block 0. */
    public static SegmentPlan of(List<Range> ranges) {
        int expected = 0;
        for (Range r : ranges) {
            if (r.start() != expected) {
                throw new IllegalArgumentException("segments must be contiguous; gap or overlap at block " + r.start());
            }
            expected = r.end();
        }
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("a segment plan needs at least one segment");
        }
        return new SegmentPlan(ranges);
    }

    public List<Range> ranges() {
        return ranges;
    }

    public int segmentCount() {
        return ranges.size();
    }

    public int blockCount() {
        return ranges.get(ranges.size() - 1).end();
    }

    @Override
    public String toString() {
        return ranges.toString();
    }
}
