package org.medfusion.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs an ordered list of DJL blocks, either plainly or as S checkpoint segments.
 *
 * <p><b>Plain training forward</b>: each block runs with its input temporarily attached to a
 * sub-manager that is closed right after, so every intermediate that autograd does not keep is
 * freed during the forward (DJL otherwise frees nothing until the step ends, which would inflate
 * the plain baseline and therefore the measured saving).
 *
 * <p><b>Checkpointed training forward</b> (segments S &gt; 1): segments 0..S-2 run with grad mode
 * off, keeping only their boundary outputs; the last segment runs with grad from a detached copy
 * of its input. {@link SequenceForward#backward} back-propagates the loss through the last
 * segment, then for each earlier segment in reverse: recomputes it with grad from a detached input,
 * back-propagates the upstream gradient through it (a vector-Jacobian product via
 * {@code JniUtils.backward}), and takes its input's gradient as the next upstream gradient.
 * Around every recompute the segment's buffers (BatchNorm running statistics) are snapshotted and
 * restored so they change exactly once per step, and before every block the random generator is
 * reseeded from (step, block) so dropout and stochastic depth draw the same masks as in the first
 * forward. With these, loss, gradients and buffers equal those of plain training.
 *
 * <p><b>Inference</b> ({@link #forwardInference}): grad mode off, plain, no recompute.
 *
 * <p><b>Diagnostic knobs</b> ({@link Diagnostics}, off unless {@code -Dmedfusion.diag.*} names a segment): deliberate
 * regressions that leave loss, gradients and buffers unchanged, used to prove the regression gate catches them.
 * {@code recomputeTwice=k} runs segment k's recompute forward once more before the real one (its graph is dropped and
 * its buffers restored): extra time only. {@code keepAlive=k} back-propagates segment k with the graph retained and
 * keeps its output until the step's manager closes, so the recomputed activations stay alive while the earlier
 * segments recompute: extra peak memory only. Both apply to recomputed segments (0..S-2) of a checkpointed step.
 */
public final class CheckpointedSequence {

    private final List<Block> blocks;
    private final SplitPolicy splitPolicy;
    private final BlockRng rng;
    private SegmentPlan plan; // null: checkpointing off
    private Diagnostics diagnostics = Diagnostics.fromSystemProperties();

    public CheckpointedSequence(List<Block> blocks, SplitPolicy splitPolicy, long seed) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("a sequence needs at least one block");
        }
        this.blocks = List.copyOf(blocks);
        this.splitPolicy = splitPolicy;
        this.rng = new BlockRng(seed);
    }

    public List<Block> blocks() {
        return blocks;
    }

    /** Turns checkpointing on with {@code segments} segments (1..number of blocks). */
    public void enable(int segments) {
        enable(segments, splitPolicy);
    }

    /** Turns checkpointing on with {@code segments} segments cut by {@code policy}. */
    public void enable(int segments, SplitPolicy policy) {
        plan = policy.plan(blocks.size(), segments);
    }

    /** Sets the diagnostic knobs (default: those of this JVM's system properties; {@link Diagnostics#NONE} in normal runs). */
    public void setDiagnostics(Diagnostics diagnostics) {
        this.diagnostics = diagnostics == null ? Diagnostics.NONE : diagnostics;
    }

    public Diagnostics diagnostics() {
        return diagnostics;
    }

    public void disable() {
        plan = null;
    }

    public boolean isEnabled() {
        return plan != null;
    }

    /** The current plan, or null when checkpointing is off. */
    public SegmentPlan plan() {
        return plan;
    }

    /**
     * Training-mode forward of {@code input}. Boundary activations and the output live in
     * {@code stepManager}; the caller closes it after {@link SequenceForward#backward}.
     *
     * @param step the training step number: with the block index it seeds each block's randomness
     */
    public SequenceForward forwardTraining(ParameterStore ps, NDArray input, long step, NDManager stepManager) {
        if (plan == null || plan.segmentCount() == 1) {
            NDArray out;
            try (GradMode g = GradMode.enabled()) {
                out = runBlocks(ps, input, 0, blocks.size(), true, step, stepManager);
            }
            return new PlainForward(out);
        }
        return checkpointedForward(ps, input, step, stepManager);
    }

    /** Inference forward: grad mode off, training=false, intermediates freed block by block. */
    public NDArray forwardInference(ParameterStore ps, NDArray input, NDManager resultManager) {
        try (GradMode g = GradMode.disabled()) {
            return runBlocks(ps, input, 0, blocks.size(), false, 0, resultManager);
        }
    }

    /**
     * The forward work a checkpointed step adds: the training-mode forward, with grad, of the
     * segments it recomputes (0..S-2), block by block as the recompute runs them. The result lives
     * in {@code manager}; close it to drop the graph. Used to measure the floor of the slowdown.
     *
     * @throws IllegalStateException when checkpointing is off or has a single segment
     */
    public NDArray forwardRecomputedSegments(ParameterStore ps, NDArray input, long step, NDManager manager) {
        if (plan == null || plan.segmentCount() < 2) {
            throw new IllegalStateException("no segment is recomputed: checkpointing is off or has one segment");
        }
        int end = plan.ranges().get(plan.segmentCount() - 2).end();
        try (GradMode g = GradMode.enabled()) {
            return runBlocks(ps, input, 0, end, true, step, manager);
        }
    }

    /**
     * Runs blocks [from, to) on {@code x}; each block's temporaries live in a sub-manager closed
     * right after it, and only the final output is attached to {@code resultManager}.
     */
    private NDArray runBlocks(ParameterStore ps, NDArray x, int from, int to, boolean training, long step, NDManager resultManager) {
        NDArray current = x;
        for (int i = from; i < to; i++) {
            try (NDManager blockManager = resultManager.newSubManager()) {
                if (current == x) {
                    current.tempAttach(blockManager);
                } else {
                    current.attach(blockManager); // previous block's output: freed with this block
                }
                if (training) {
                    rng.seed(step, i);
                }
                NDArray out = blocks.get(i).forward(ps, new NDList(current), training).singletonOrThrow();
                out.attach(resultManager);
                current = out;
            }
        }
        return current;
    }

    private SequenceForward checkpointedForward(ParameterStore ps, NDArray input, long step, NDManager stepManager) {
        List<SegmentPlan.Range> ranges = plan.ranges();
        int s = ranges.size();
        // boundaries[k] = output of segment k (no graph), for k = 0..S-2
        List<NDArray> boundaries = new ArrayList<>(s - 1);
        NDArray x = input;
        try (GradMode g = GradMode.disabled()) {
            for (int k = 0; k < s - 1; k++) {
                SegmentPlan.Range r = ranges.get(k);
                x = runBlocks(ps, x, r.start(), r.end(), true, step, stepManager);
                boundaries.add(x);
            }
        }
        NDArray lastInput = x.stopGradient();
        lastInput.attach(stepManager);
        lastInput.setRequiresGradient(true);
        NDArray out;
        SegmentPlan.Range last = ranges.get(s - 1);
        try (GradMode g = GradMode.enabled()) {
            out = runBlocks(ps, lastInput, last.start(), last.end(), true, step, stepManager);
        }
        return new CheckpointedForward(ps, input, step, stepManager, boundaries, lastInput, out);
    }

    private static void vjp(NDArray output, NDArray upstream) {
        JniUtils.backward((PtNDArray) output, (PtNDArray) upstream, false, false);
    }

    private static void backwardFromLoss(NDArray loss) {
        try (NDArray ones = loss.onesLike()) {
            vjp(loss, ones);
        }
    }

    private static final class PlainForward implements SequenceForward {
        private final NDArray output;

        PlainForward(NDArray output) {
            this.output = output;
        }

        @Override
        public NDArray output() {
            return output;
        }

        @Override
        public void backward(NDArray loss) {
            backwardFromLoss(loss);
        }
    }

    private final class CheckpointedForward implements SequenceForward {
        private final ParameterStore ps;
        private final NDArray input;
        private final long step;
        private final NDManager stepManager;
        private final List<NDArray> boundaries;
        private final NDArray lastInput;
        private final NDArray output;

        CheckpointedForward(ParameterStore ps, NDArray input, long step, NDManager stepManager,
                List<NDArray> boundaries, NDArray lastInput, NDArray output) {
            this.ps = ps;
            this.input = input;
            this.step = step;
            this.stepManager = stepManager;
            this.boundaries = boundaries;
            this.lastInput = lastInput;
            this.output = output;
        }

        @Override
        public NDArray output() {
            return output;
        }

        @Override
        public void backward(NDArray loss) {
            backwardFromLoss(loss);
            List<SegmentPlan.Range> ranges = plan.ranges();
            NDArray upstream = lastInput.getGradient();
            upstream.attach(stepManager);
            lastInput.close();
            for (int k = ranges.size() - 2; k >= 0; k--) {
                SegmentPlan.Range r = ranges.get(k);
                try (NDManager segment = stepManager.newSubManager()) {
                    upstream.attach(segment);
                    boundaries.get(k).close(); // this segment's output: only its gradient is needed now
                    NDArray segmentInput = (k == 0 ? input : boundaries.get(k - 1)).stopGradient();
                    segmentInput.attach(segment);
                    if (k > 0) {
                        segmentInput.setRequiresGradient(true);
                    }
                    BufferSnapshot buffers = BufferSnapshot.take(
                            BufferSnapshot.buffersOf(blocks.subList(r.start(), r.end())), segment);
                    if (diagnostics.applies(Diagnostics.Knob.RECOMPUTE_TWICE, k)) {
                        recomputeDiscarded(segmentInput, r, segment);
                        buffers.restore();
                    }
                    boolean keepAlive = diagnostics.applies(Diagnostics.Knob.KEEP_ALIVE, k);
                    try (GradMode g = GradMode.enabled()) {
                        NDArray recomputed = runBlocks(ps, segmentInput, r.start(), r.end(), true, step, segment);
                        if (keepAlive) {
                            // the retained graph holds the segment's activations until the step's manager closes
                            JniUtils.backward((PtNDArray) recomputed, (PtNDArray) upstream, true, false);
                            recomputed.attach(stepManager);
                        } else {
                            vjp(recomputed, upstream);
                        }
                    }
                    buffers.restore();
                    if (k > 0) {
                        upstream = segmentInput.getGradient();
                        upstream.attach(stepManager);
                    }
                }
            }
        }

        /** Diagnostic knob recomputeTwice: the segment's recompute forward, with grad, whose result is dropped at once. */
        private void recomputeDiscarded(NDArray segmentInput, SegmentPlan.Range r, NDManager segment) {
            try (NDManager extra = segment.newSubManager(); GradMode g = GradMode.enabled()) {
                runBlocks(ps, segmentInput, r.start(), r.end(), true, step, extra);
            }
        }
    }
}
