package org.medfusion.checkpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How an ordered list of blocks is cut into checkpoint segments: each segment is a half-open
 * range {@code [start, end)} of block indices, the segments cover every block once, in order.
 *
 * <p>Each segment is either <i>recomputed</i> (its forward keeps only its output, and the backward runs it
 * again with grad) or <i>stored</i> (its forward runs with grad and keeps its autograd graph until its
 * backward: no recompute). The last segment is always stored: its backward comes first, right after its
 * forward, so recomputing it would only cost time. A plan whose segments are all stored is the plain step cut
 * into pieces. Count-based plans ({@link #uniform(int, int)}, {@link #of(List)}) recompute every segment but the
 * last (PyTorch's {@code checkpoint_sequential} schedule); {@link #of(List, List)} names each segment's kind, as
 * the memory-budget planner chooses it.
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

        /** {@code [start,end)}, as the README and the plan command print segments. */
        @Override
        public String toString() {
            return "[" + start + "," + end + ")";
        }
    }

    private final List<Range> ranges;
    /** recomputed.get(k): whether segment k is recomputed in the backward (false: stored). */
    private final List<Boolean> recomputed;

    private SegmentPlan(List<Range> ranges, List<Boolean> recomputed) {
        this.ranges = Collections.unmodifiableList(new ArrayList<>(ranges));
        this.recomputed = List.copyOf(recomputed);
    }

    private SegmentPlan(List<Range> ranges) {
        this(ranges, lastStored(ranges.size()));
    }

    /** The count-based schedule: every segment recomputed but the last. */
    private static List<Boolean> lastStored(int segments) {
        List<Boolean> out = new ArrayList<>(segments);
        for (int k = 0; k < segments; k++) {
            out.add(k < segments - 1);
        }
        return out;
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

    /** A plan from explicit ranges, which must be contiguous and start at block 0; all but the last recomputed. */
    public static SegmentPlan of(List<Range> ranges) {
        requireContiguous(ranges);
        return new SegmentPlan(ranges);
    }

    /**
     * A plan from explicit ranges and, per segment, whether it is recomputed (true) or stored (false).
     *
     * @throws IllegalArgumentException when the lists differ in length or the last segment is marked recomputed
     */
    public static SegmentPlan of(List<Range> ranges, List<Boolean> recomputed) {
        requireContiguous(ranges);
        if (recomputed.size() != ranges.size()) {
            throw new IllegalArgumentException(ranges.size() + " segments need " + ranges.size() + " recomputed flags, got " + recomputed.size());
        }
        if (recomputed.get(recomputed.size() - 1)) {
            throw new IllegalArgumentException("the last segment is always stored (its backward follows its forward at once), got it recomputed");
        }
        return new SegmentPlan(ranges, recomputed);
    }

    /**
     * Parses {@link #spec()}: comma-separated segments {@code <start>-<end><r|s>}, e.g. {@code 0-5r,5-9s,9-18s};
     * one-line error naming the bad value and the form allowed.
     */
    public static SegmentPlan parse(String spec) {
        List<Range> ranges = new ArrayList<>();
        List<Boolean> flags = new ArrayList<>();
        try {
            for (String part : spec.strip().split(",")) {
                String p = part.strip();
                char kind = p.charAt(p.length() - 1);
                int dash = p.indexOf('-');
                if ((kind != 'r' && kind != 's') || dash < 0) {
                    throw new IllegalArgumentException(p);
                }
                ranges.add(new Range(Integer.parseInt(p.substring(0, dash)), Integer.parseInt(p.substring(dash + 1, p.length() - 1))));
                flags.add(kind == 'r');
            }
            return of(ranges, flags);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("segment plan must be <start>-<end><r|s>,... covering the blocks in order with the last"
                    + " stored, e.g. 0-5r,5-9s,9-18s; got '" + spec + "' (" + e.getMessage() + ")");
        }
    }

    private static void requireContiguous(List<Range> ranges) {
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
    }

    public List<Range> ranges() {
        return ranges;
    }

    /** Whether segment {@code k} is recomputed in the backward; false: stored (kept with its graph). The last: false. */
    public boolean isRecomputed(int k) {
        return recomputed.get(k);
    }

    /** Per segment: true when recomputed, false when stored. */
    public List<Boolean> recomputed() {
        return recomputed;
    }

    /** Whether no segment is recomputed: the plain step's work and memory, cut into pieces. */
    public boolean recomputesNothing() {
        return !recomputed.contains(true);
    }

    /** The compact form {@link #parse} reads: {@code 0-5r,5-9s,9-18s}. */
    public String spec() {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < ranges.size(); k++) {
            sb.append(k == 0 ? "" : ",").append(ranges.get(k).start()).append('-').append(ranges.get(k).end())
                    .append(recomputed.get(k) ? 'r' : 's');
        }
        return sb.toString();
    }

    public int segmentCount() {
        return ranges.size();
    }

    public int blockCount() {
        return ranges.get(ranges.size() - 1).end();
    }

    /** The segments separated by spaces, each stored one before the last marked {@code stored}: {@code [0,3) [3,6) stored [6,10)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < ranges.size(); k++) {
            sb.append(k == 0 ? "" : " ").append(ranges.get(k));
            if (k < ranges.size() - 1 && !recomputed.get(k)) {
                sb.append(" stored");
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentPlan p && p.ranges.equals(ranges) && p.recomputed.equals(recomputed);
    }

    @Override
    public int hashCode() {
        return ranges.hashCode() * 31 + recomputed.hashCode();
    }
}
