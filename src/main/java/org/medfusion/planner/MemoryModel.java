package org.medfusion.planner;

import java.util.List;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.checkpoint.StepEvent;

/**
 * Predicts the peak memory of one training step (above the steady state left by the previous step:
 * weights, gradient buffers and optimizer state excluded, as in the measured cells) for any segment plan,
 * from a {@link BlockProfile} per block, following the engine's schedule
 * ({@link org.medfusion.checkpoint.CheckpointedSequence}). Each segment is
 * <ul>
 *   <li><i>recomputed</i>: run without grad in the forward (only its output, the boundary, is kept), then, in
 *       the backward, recomputed with grad (the upstream gradient held) and back-propagated; or</li>
 *   <li><i>stored</i>: run with grad in the forward, keeping its activations (its output included) while every
 *       later segment runs forward and backward, until its own backward. The last segment is always stored (its backward runs first, with no upstream gradient to hold);
 *       a one-segment plan is the plain step.</li>
 * </ul>
 * While segment k runs (forward or its backward), what the segments before it keep is held: the boundary of a
 * recomputed one, all the kept bytes of a stored one. The step's peak is therefore {@code max_k (P_k + cost_k)}
 * with {@code P_k} the sum of what segments 0..k-1 keep; that split into a prefix and a per-segment cost is what
 * lets {@link SegmentPlanner} search plans by dynamic programming.
 *
 * <p>Within a segment run with grad, while block i runs forward: the kept bytes of the blocks before it
 * plus its forward peak; while it runs backward: the kept bytes of the blocks up to it, the gradient of its
 * output (for the segment's last block: the upstream gradient), plus its backward peak. The engine holds no handle on
 * the upstream gradient or the segment's output during the backward, so both are gone once the last block's backward
 * has consumed them.
 *
 * <p>The optimizer update runs after the step's arrays are freed: the step's peak is the larger of the
 * forward/backward peak and the update's own peak.
 *
 * <p>Time model: a plan's overhead is the forward-with-grad time of the blocks it recomputes (stored segments
 * cost none).
 */
public final class MemoryModel {

    private final List<BlockProfile> blocks;
    private final long updatePeakBytes;

    /** A model of the forward and backward only (no optimizer update). */
    public MemoryModel(List<BlockProfile> blocks) {
        this(blocks, 0);
    }

    /**
     * @param updatePeakBytes the optimizer update's own peak: it runs after the step's activations are freed,
     *        so it is a floor of every plan's peak
     */
    public MemoryModel(List<BlockProfile> blocks, long updatePeakBytes) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("a profile needs at least one block");
        }
        this.blocks = List.copyOf(blocks);
        this.updatePeakBytes = updatePeakBytes;
    }

    public long updatePeakBytes() {
        return updatePeakBytes;
    }

    public int blockCount() {
        return blocks.size();
    }

    /** Bytes kept between the segments when a segment ends before block {@code end}: that block's input. */
    public long boundaryBytes(int end) {
        return blocks.get(end - 1).outputBytes();
    }

    /** Peak, above what earlier segments keep, of a recomputed segment [start, end): forward or backward phase. */
    public long recomputedCost(int start, int end) {
        long forward = 0;
        for (int i = start; i < end; i++) {
            long input = i > start ? blocks.get(i - 1).outputBytes() : 0; // the segment's input is a boundary (or the batch)
            forward = Math.max(forward, input + blocks.get(i).forwardNoGradPeakBytes());
        }
        long upstream = blocks.get(end - 1).outputBytes();
        return Math.max(forward, withGradCost(start, end, upstream, upstream));
    }

    /**
     * Peak, above what earlier segments keep, of a stored segment [start, end) (its forward, then its backward).
     * The segment ending at the last block is the step's last: no upstream gradient; any other holds the gradient of
     * its output during its backward (in its forward that gradient does not exist yet).
     */
    public long storedCost(int start, int end) {
        long upstream = end == blocks.size() ? 0 : blocks.get(end - 1).outputBytes();
        return withGradCost(start, end, 0, upstream);
    }

    /** What a stored segment [start, end) keeps from its forward to its backward: its blocks' kept bytes, output included. */
    public long storedKeptBytes(int start, int end) {
        long kept = 0;
        for (int i = start; i < end; i++) {
            kept += keptIn(i, start);
        }
        return kept;
    }

    /** What segment [start, end) leaves held while the segments after it run: its boundary, or all it keeps when stored. */
    public long heldAfter(int start, int end, boolean recomputed) {
        return recomputed ? boundaryBytes(end) : storedKeptBytes(start, end);
    }

    private long withGradCost(int start, int end, long upstreamForward, long upstreamBackward) {
        long peak = 0;
        long kept = 0;
        long[] keptBefore = new long[end - start];
        for (int i = start; i < end; i++) {
            keptBefore[i - start] = kept;
            peak = Math.max(peak, upstreamForward + kept + blocks.get(i).forwardPeakBytes());
            kept += keptIn(i, start);
        }
        for (int i = end - 1; i >= start; i--) {
            BlockProfile b = blocks.get(i);
            long gradient = i == end - 1 ? upstreamBackward : b.outputBytes(); // the last block's output gradient is the upstream one
            peak = Math.max(peak, keptBefore[i - start] + keptIn(i, start) + gradient + b.backwardPeakBytes());
        }
        return peak;
    }

    /** What block {@code i} adds with grad in a segment starting at {@code start}: the start's input is a held boundary. */
    private long keptIn(int i, int start) {
        BlockProfile b = blocks.get(i);
        return i == start ? b.keptAsSegmentStartBytes() : b.keptBytes();
    }

    /** Forward-with-grad time (ms) of blocks [start, end): what recomputing them costs. */
    public double recomputeMs(int start, int end) {
        double t = 0;
        for (int i = start; i < end; i++) {
            t += blocks.get(i).forwardMs();
        }
        return t;
    }

    /** Time (ms) of a plain step's forward and backward, the reference for relative overhead. */
    public double plainStepMs() {
        double t = 0;
        for (BlockProfile b : blocks) {
            t += b.forwardMs() + b.backwardMs();
        }
        return t;
    }

    /** Predicted peak (bytes) and recompute overhead (ms) of {@code plan}, its stored and recomputed segments as it names them. */
    public Prediction predict(SegmentPlan plan) {
        if (plan.blockCount() != blocks.size()) {
            throw new IllegalArgumentException("plan covers " + plan.blockCount() + " blocks, the profile has " + blocks.size());
        }
        List<SegmentPlan.Range> ranges = plan.ranges();
        long held = 0;
        long peak = 0;
        double overhead = 0;
        for (int k = 0; k < ranges.size(); k++) {
            SegmentPlan.Range r = ranges.get(k);
            boolean recomputed = plan.isRecomputed(k);
            peak = Math.max(peak, held + (recomputed ? recomputedCost(r.start(), r.end()) : storedCost(r.start(), r.end())));
            held += heldAfter(r.start(), r.end(), recomputed);
            overhead += recomputed ? recomputeMs(r.start(), r.end()) : 0;
        }
        return new Prediction(Math.max(peak, updatePeakBytes), overhead);
    }

    /**
     * The predicted timeline of {@code plan}: for each event the engine reports with a memory figure the model can
     * give ({@link StepEvent}: forwards, boundaries, recomputes, each segment's backward, the optimizer update; not
     * the step start, the loss or the gradient accumulation), its predicted high-water mark above the step's start,
     * in the engine's order. The same terms as {@link #predict}: its largest entry is the predicted step peak.
     */
    public List<PredictedEvent> timeline(SegmentPlan plan) {
        if (plan.blockCount() != blocks.size()) {
            throw new IllegalArgumentException("plan covers " + plan.blockCount() + " blocks, the profile has " + blocks.size());
        }
        List<SegmentPlan.Range> ranges = plan.ranges();
        List<PredictedEvent> out = new java.util.ArrayList<>();
        long[] heldBefore = new long[ranges.size()];
        long held = 0;
        for (int k = 0; k < ranges.size(); k++) {
            SegmentPlan.Range r = ranges.get(k);
            heldBefore[k] = held;
            if (plan.isRecomputed(k)) {
                for (int i = r.start(); i < r.end(); i++) {
                    long input = i > r.start() ? blocks.get(i - 1).outputBytes() : 0;
                    out.add(new PredictedEvent(StepEvent.FORWARD_NO_GRAD, i, k, held + input + blocks.get(i).forwardNoGradPeakBytes()));
                }
                out.add(new PredictedEvent(StepEvent.BOUNDARY_KEPT, r.end() - 1, k, held + boundaryBytes(r.end())));
            } else {
                long kept = 0;
                for (int i = r.start(); i < r.end(); i++) {
                    out.add(new PredictedEvent(StepEvent.FORWARD, i, k, held + kept + blocks.get(i).forwardPeakBytes()));
                    kept += keptIn(i, r.start());
                }
            }
            held += heldAfter(r.start(), r.end(), plan.isRecomputed(k));
        }
        for (int k = ranges.size() - 1; k >= 0; k--) {
            SegmentPlan.Range r = ranges.get(k);
            long upstream = r.end() == blocks.size() ? 0 : blocks.get(r.end() - 1).outputBytes();
            if (plan.isRecomputed(k)) {
                out.add(new PredictedEvent(StepEvent.RECOMPUTE_START, r.start(), k, heldBefore[k] + upstream));
                long kept = 0;
                for (int i = r.start(); i < r.end(); i++) {
                    out.add(new PredictedEvent(StepEvent.RECOMPUTE_FORWARD, i, k,
                            heldBefore[k] + upstream + kept + blocks.get(i).forwardPeakBytes()));
                    kept += keptIn(i, r.start());
                }
                out.add(new PredictedEvent(StepEvent.RECOMPUTE_END, r.end() - 1, k, heldBefore[k] + upstream + kept));
            }
            out.add(new PredictedEvent(StepEvent.BACKWARD, r.end() - 1, k, heldBefore[k] + backwardCost(r.start(), r.end(), upstream)));
        }
        out.add(new PredictedEvent(StepEvent.OPTIMIZER_UPDATE, -1, -1, updatePeakBytes));
        return out;
    }

    /** The backward half of {@link #withGradCost}: the largest of its blocks' backwards, their kept bytes still held. */
    private long backwardCost(int start, int end, long upstream) {
        long kept = storedKeptBytes(start, end);
        long peak = 0;
        for (int i = end - 1; i >= start; i--) {
            BlockProfile b = blocks.get(i);
            long gradient = i == end - 1 ? upstream : b.outputBytes();
            peak = Math.max(peak, kept + gradient + b.backwardPeakBytes()); // kept: blocks start..i, what is still held
            kept -= keptIn(i, start);
        }
        return peak;
    }

    /**
     * One event of a predicted timeline ({@link #timeline}): the engine's event, the block and segment it reports with
     * it (as {@link org.medfusion.checkpoint.StepRecorder} receives them), and the predicted high-water mark of bytes in
     * use since the event before, above the step's start.
     */
    public record PredictedEvent(StepEvent event, int block, int segment, long peakAboveStartBytes) {
    }

    /** A plan's predicted step peak (bytes above the steady state) and recompute overhead (ms). */
    public record Prediction(long peakBytes, double overheadMs) {
    }
}
