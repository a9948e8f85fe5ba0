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
 * <p><b>Checkpointed training forward</b> (segments S &gt; 1, {@link SegmentPlan}): each segment is either
 * <i>recomputed</i> or <i>stored</i> (the last one always stored). A recomputed segment runs with grad mode off,
 * keeping only its output (the boundary). A stored segment runs with grad from a detached copy of its input that
 * requires grad, and keeps its output with its autograd graph until its backward: memory held through every later
 * segment, traded for no recompute. The output handed to the caller is cut from the last segment too (a detached,
 * grad-requiring view), so the caller's loss graph, alive until the step ends, holds none of the last segment's
 * graph. {@link SequenceForward#backward} back-propagates the loss to that view, the view's gradient through the last
 * segment, then walks the earlier segments in reverse, each with the upstream gradient (the gradient of its
 * output, left on the next segment's detached input): a stored segment back-propagates its kept output with it; a
 * recomputed one is recomputed with grad from a detached input and then back-propagated (a vector-Jacobian product
 * via {@code JniUtils.backward}). Either way its input's gradient becomes the next upstream gradient.
 * Around every recompute the segment's buffers (BatchNorm running statistics) are snapshotted and
 * restored so they change exactly once per step (a stored segment runs its forward once and needs no snapshot),
 * and before every block the random generator is reseeded from (step, block) so dropout and stochastic depth draw
 * the same masks as in the first forward. With these, loss, gradients and buffers equal those of plain training.
 * Count-based plans (uniform, torch, optimal) recompute every segment but the last; the memory-budget planner
 * may store any of them.
 *
 * <p><b>Inference</b> ({@link #forwardInference}): grad mode off, plain, no recompute.
 *
 * <p><b>Diagnostic knobs</b> ({@link Diagnostics}, off unless {@code -Dmedfusion.diag.*} names a segment): deliberate
 * regressions that leave loss, gradients and buffers unchanged, used to prove the regression gate catches them.
 * {@code recomputeTwice=k} runs segment k's recompute forward once more before the real one (its graph is dropped and
 * its buffers restored): extra time only. {@code keepAlive=k} back-propagates segment k with the graph retained and
 * keeps its output until the step's manager closes, so the recomputed activations stay alive while the earlier
 * segments recompute: extra peak memory only. Both apply to recomputed segments of a checkpointed step (a knob naming a
 * stored segment does nothing: it has no recompute).
 *
 * <p><b>Timeline</b> ({@link #setRecorder}): the engine reports every event of a training step ({@link StepEvent}) and
 * every array it starts or stops holding ({@link Held}) to a {@link StepRecorder}; {@link StepRecorder#OFF} (the
 * default) does nothing. Recording only observes: the same arrays are created and freed at the same points either way.
 */
public final class CheckpointedSequence {

    private final List<Block> blocks;
    private final SplitPolicy splitPolicy;
    private final BlockRng rng;
    private SegmentPlan plan; // null: checkpointing off
    private Diagnostics diagnostics = Diagnostics.fromSystemProperties();
    private StepRecorder recorder = StepRecorder.OFF;

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

    /** Sets who receives the training forward's and backward's events ({@link StepRecorder#OFF}, the default: nobody). */
    public void setRecorder(StepRecorder recorder) {
        this.recorder = recorder == null ? StepRecorder.OFF : recorder;
    }

    public StepRecorder recorder() {
        return recorder;
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
                out = runBlocks(ps, input, 0, blocks.size(), true, step, stepManager, StepEvent.FORWARD, 0);
            }
            return new PlainForward(out, blocks.size() - 1, recorder);
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
     * The inputs of the segments a checkpointed step recomputes, as its backward finds them (the batch for the first
     * segment, a kept boundary for the others): one training-mode forward with grad off, up to the last recomputed
     * segment, in {@code manager}. {@link #forwardRecomputedSegments} runs the recomputes from them.
     *
     * @throws IllegalStateException when checkpointing is off or the plan recomputes nothing
     */
    public List<NDArray> recomputeInputs(ParameterStore ps, NDArray input, long step, NDManager manager) {
        int lastRecomputed = lastRecomputedSegment();
        List<NDArray> inputs = new ArrayList<>();
        NDArray x = input;
        try (GradMode g = GradMode.disabled()) {
            for (int k = 0; k <= lastRecomputed; k++) {
                if (plan.isRecomputed(k)) {
                    inputs.add(x);
                }
                if (k < lastRecomputed) {
                    SegmentPlan.Range r = plan.ranges().get(k);
                    x = runBlocks(ps, x, r.start(), r.end(), true, step, manager);
                }
            }
        }
        return inputs;
    }

    /**
     * The forward work a checkpointed step adds, and nothing else: the training-mode forward, with grad, of each
     * recomputed segment from its input ({@link #recomputeInputs}), one at a time in a manager closed after it, as
     * the backward runs them. What the planner predicts as a plan's recompute time, measured; a stored segment's
     * forward is not in it (it runs once, as in a plain step).
     *
     * @return the first value of each recomputed segment's output, summed: the work cannot be skipped, and reading it
     *     waits for a GPU
     * @throws IllegalStateException when checkpointing is off or the plan recomputes nothing
     */
    public float forwardRecomputedSegments(ParameterStore ps, List<NDArray> inputs, long step, NDManager manager) {
        lastRecomputedSegment();
        float sum = 0;
        int next = 0;
        for (int k = 0; k < plan.segmentCount(); k++) {
            if (!plan.isRecomputed(k)) {
                continue;
            }
            SegmentPlan.Range r = plan.ranges().get(k);
            sum += forwardWithGrad(ps, inputs.get(next++), r.start(), r.end(), step, manager);
        }
        return sum;
    }

    /**
     * The training-mode forward, with grad, of every block from the batch, run as {@link #forwardRecomputedSegments}
     * runs a segment: the recompute of one segment holding the whole chain, whatever the plan. What a profile's
     * per-block forward times add up to, so timed beside a recompute in the same process it gives the speed the
     * recompute was timed at (a sweep compares predicted and measured recomputes at the same speed).
     *
     * @return the first value of the output (the work cannot be skipped; reading it waits for a GPU)
     */
    public float forwardWholeChain(ParameterStore ps, NDArray input, long step, NDManager manager) {
        return forwardWithGrad(ps, input, 0, blocks.size(), step, manager);
    }

    /** Blocks [from, to) with grad from a detached copy of {@code input} (requiring grad unless it is the batch), in a manager closed after them. */
    private float forwardWithGrad(ParameterStore ps, NDArray input, int from, int to, long step, NDManager manager) {
        try (NDManager segment = manager.newSubManager(); GradMode g = GradMode.enabled()) {
            NDArray segmentInput = input.stopGradient();
            segmentInput.attach(segment);
            if (from > 0) {
                segmentInput.setRequiresGradient(true);
            }
            NDArray out = runBlocks(ps, segmentInput, from, to, true, step, segment);
            return out.getShape().size() > 0 ? out.flatten().get(0).toFloatArray()[0] : 0f;
        }
    }

    private int lastRecomputedSegment() {
        if (plan == null || plan.segmentCount() < 2 || plan.recomputesNothing()) {
            throw new IllegalStateException("no segment is recomputed: checkpointing is off, has one segment or stores every segment");
        }
        return plan.recomputed().lastIndexOf(true);
    }

    /**
     * Runs blocks [from, to) on {@code x}; each block's temporaries live in a sub-manager closed
     * right after it, and only the final output is attached to {@code resultManager}.
     */
    private NDArray runBlocks(ParameterStore ps, NDArray x, int from, int to, boolean training, long step, NDManager resultManager) {
        return runBlocks(ps, x, from, to, training, step, resultManager, null, -1);
    }

    /**
     * As {@link #runBlocks(ParameterStore, NDArray, int, int, boolean, long, NDManager)}, reporting each block as
     * {@code event} of {@code segment} to the recorder (null: not reported). Each block's output is held as an
     * activation until the next block frees it; the last one stays held (the caller decides its role).
     */
    private NDArray runBlocks(ParameterStore ps, NDArray x, int from, int to, boolean training, long step, NDManager resultManager,
            StepEvent event, int segment) {
        StepRecorder rec = event == null ? StepRecorder.OFF : recorder;
        NDArray current = x;
        for (int i = from; i < to; i++) {
            NDArray previous = current;
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
            if (previous != x) {
                rec.release(Held.ACTIVATIONS, previous); // closed with the block's manager
            }
            rec.hold(Held.ACTIVATIONS, current);
            rec.event(event, i, segment);
        }
        return current;
    }

    private SequenceForward checkpointedForward(ParameterStore ps, NDArray input, long step, NDManager stepManager) {
        List<SegmentPlan.Range> ranges = plan.ranges();
        int s = ranges.size();
        // outputs[k]: segment k's output; without graph when k is recomputed, the root of k's graph when k is stored
        List<NDArray> outputs = new ArrayList<>(s);
        // storedInputs[k]: the detached, grad-requiring input a stored segment k > 0 ran from (its gradient is the
        // upstream gradient of segment k-1); null for recomputed segments and for segment 0 (the batch needs no gradient)
        List<NDArray> storedInputs = new ArrayList<>(s);
        NDArray x = input;
        for (int k = 0; k < s; k++) {
            SegmentPlan.Range r = ranges.get(k);
            NDArray segmentInput = null;
            if (plan.isRecomputed(k)) {
                try (GradMode g = GradMode.disabled()) {
                    x = runBlocks(ps, x, r.start(), r.end(), true, step, stepManager, StepEvent.FORWARD_NO_GRAD, k);
                }
                recorder.move(x, Held.ACTIVATIONS, Held.BOUNDARIES);
                recorder.event(StepEvent.BOUNDARY_KEPT, r.end() - 1, k);
            } else {
                if (k > 0) {
                    // cut the graph here: this segment's backward stops at its input, whose gradient goes to segment k-1
                    segmentInput = x.stopGradient();
                    segmentInput.attach(stepManager);
                    segmentInput.setRequiresGradient(true);
                    x = segmentInput;
                }
                try (GradMode g = GradMode.enabled()) {
                    x = runBlocks(ps, x, r.start(), r.end(), true, step, stepManager, StepEvent.FORWARD, k);
                }
            }
            outputs.add(x);
            storedInputs.add(segmentInput);
        }
        // cut once more after the last segment: the caller's loss graph ends at this leaf, not in the last segment
        NDArray head = x.stopGradient();
        head.attach(stepManager);
        head.setRequiresGradient(true);
        return new CheckpointedForward(ps, input, step, stepManager, outputs, storedInputs, head);
    }

    private static void vjp(NDArray output, NDArray upstream) {
        JniUtils.backward((PtNDArray) output, (PtNDArray) upstream, false, false);
    }

    private static void backwardFromLoss(NDArray loss) {
        try (NDArray ones = loss.onesLike()) {
            vjp(loss, ones);
        }
    }

    /** {@link #backPropagateReleasing}, telling the recorder the two arrays are no longer held. */
    private void backwardReleasing(NDArray output, Held outputRole, NDArray upstream) {
        recorder.release(outputRole, output);
        recorder.release(Held.UPSTREAM_GRADIENT, upstream);
        backPropagateReleasing(output, upstream);
    }

    /**
     * Back-propagates {@code upstream} through {@code output}'s graph holding neither, and closes both. A vector-Jacobian
     * product ({@link #vjp}) keeps both handles for the whole backward, so libtorch cannot free the output (saved by its
     * last operation, a ReLU say) nor the upstream gradient when their last use inside the backward is done: two
     * output-sized tensors through the segment's backward, where PyTorch's own checkpoint frees both early. Here the
     * root is the scalar {@code sum(output * upstream)}, whose gradient with respect to {@code output} is
     * {@code 1 * upstream}, the same values bit for bit; both handles are closed before the backward runs, so the
     * multiplication's node holds the upstream gradient until it has run once and the output lives only as long as
     * the graph saves it. The price is one output-sized temporary, freed before the backward starts. The planner's
     * profiler measures each block's backward this way too, so its figures are the engine's.
     */
    public static void backPropagateReleasing(NDArray output, NDArray upstream) {
        NDArray root;
        try (GradMode g = GradMode.enabled(); NDArray product = output.mul(upstream)) {
            root = product.sum();
        }
        output.close();
        upstream.close();
        try (root) {
            backwardFromLoss(root);
        }
    }

    private static final class PlainForward implements SequenceForward {
        private final NDArray output;
        private final int lastBlock;
        private final StepRecorder recorder;

        PlainForward(NDArray output, int lastBlock, StepRecorder recorder) {
            this.output = output;
            this.lastBlock = lastBlock;
            this.recorder = recorder;
        }

        @Override
        public NDArray output() {
            return output;
        }

        @Override
        public void backward(NDArray loss) {
            backwardFromLoss(loss);
            recorder.event(StepEvent.BACKWARD, lastBlock, 0);
        }
    }

    private final class CheckpointedForward implements SequenceForward {
        private final ParameterStore ps;
        private final NDArray input;
        private final long step;
        private final NDManager stepManager;
        private final List<NDArray> outputs;
        private final List<NDArray> storedInputs;
        /** A detached, grad-requiring view of the last segment's output: the {@link #output()} the caller's loss uses. */
        private final NDArray head;
        CheckpointedForward(ParameterStore ps, NDArray input, long step, NDManager stepManager,
                List<NDArray> outputs, List<NDArray> storedInputs, NDArray head) {
            this.ps = ps;
            this.input = input;
            this.step = step;
            this.stepManager = stepManager;
            this.outputs = outputs;
            this.storedInputs = storedInputs;
            this.head = head;
        }

        @Override
        public NDArray output() {
            return head;
        }

        @Override
        public void backward(NDArray loss) {
            backwardFromLoss(loss);
            int last = outputs.size() - 1;
            backwardLastSegment(outputs.get(last));
            NDArray lastInput = storedInputs.get(last);
            NDArray upstream = lastInput.getGradient();
            upstream.attach(stepManager);
            recorder.hold(Held.UPSTREAM_GRADIENT, upstream);
            recorder.event(StepEvent.BACKWARD, plan.ranges().get(last).end() - 1, last);
            lastInput.close();
            for (int k = last - 1; k >= 0; k--) {
                try (NDManager segment = stepManager.newSubManager()) {
                    upstream.attach(segment);
                    NDArray segmentInput = plan.isRecomputed(k) ? backwardRecomputed(k, upstream, segment) : backwardStored(k, upstream);
                    if (k > 0) {
                        upstream = segmentInput.getGradient();
                        upstream.attach(stepManager);
                        recorder.hold(Held.UPSTREAM_GRADIENT, upstream); // the next upstream gradient, beside the one handed in
                    }
                    recorder.event(StepEvent.BACKWARD, plan.ranges().get(k).end() - 1, k);
                    if (k > 0) {
                        segmentInput.close();
                    }
                }
            }
        }

        /**
         * The loss's graph lives as long as the caller holds the loss and the arrays it was computed from (until the
         * step's manager closes). Had it run into the last segment, it would keep that segment's input alive, an
         * autograd leaf held by its {@code AccumulateGrad} node, with the leaf's gradient and the storage of the
         * boundary it shares: two activation-sized tensors through every earlier segment's recompute. The loss's graph
         * therefore ends at {@link #head}; the last segment's own graph is rooted at its output, held only here, and is
         * back-propagated with the head's gradient, then freed with that output. The values fed to the last segment's
         * backward are the same as in one backward from the loss, so the gradients are too.
         */
        private void backwardLastSegment(NDArray lastOutput) {
            try (NDArray headGradient = head.getGradient()) {
                vjp(lastOutput, headGradient);
            }
            // frees the last segment's graph, and with it the leaf; its storage lives on in the head (still counted)
            lastOutput.close();
        }

        /**
         * A stored segment kept its graph from the forward, so back-propagating its output with the upstream gradient is
         * its whole backward: no recompute, hence no buffer snapshot (its BatchNorm updated once, in the forward).
         *
         * @return the detached input it ran from (null for segment 0), whose gradient is the next upstream gradient
         */
        private NDArray backwardStored(int k, NDArray upstream) {
            backwardReleasing(outputs.get(k), Held.ACTIVATIONS, upstream);
            return storedInputs.get(k);
        }

        /**
         * Recomputes segment k with grad from a detached copy of its input and back-propagates the upstream gradient;
         * its buffers are restored afterwards so the recompute's training-mode forward does not update them twice.
         *
         * @return the detached input it ran from (lives in {@code segment}), whose gradient is the next upstream gradient
         */
        private NDArray backwardRecomputed(int k, NDArray upstream, NDManager segment) {
            SegmentPlan.Range r = plan.ranges().get(k);
            outputs.get(k).close(); // this segment's output: only its gradient is needed now
            recorder.release(Held.BOUNDARIES, outputs.get(k));
            NDArray segmentInput = (k == 0 ? input : outputs.get(k - 1)).stopGradient();
            segmentInput.attach(segment);
            if (k > 0) {
                segmentInput.setRequiresGradient(true);
            }
            BufferSnapshot buffers = BufferSnapshot.take(BufferSnapshot.buffersOf(blocks.subList(r.start(), r.end())), segment);
            recorder.event(StepEvent.RECOMPUTE_START, r.start(), k);
            if (diagnostics.applies(Diagnostics.Knob.RECOMPUTE_TWICE, k)) {
                recomputeDiscarded(segmentInput, r, segment);
                buffers.restore();
            }
            boolean keepAlive = diagnostics.applies(Diagnostics.Knob.KEEP_ALIVE, k);
            try (GradMode g = GradMode.enabled()) {
                NDArray recomputed = runBlocks(ps, segmentInput, r.start(), r.end(), true, step, segment, StepEvent.RECOMPUTE_FORWARD, k);
                recorder.event(StepEvent.RECOMPUTE_END, r.end() - 1, k);
                if (keepAlive) {
                    // the retained graph holds the segment's activations until the step's manager closes
                    JniUtils.backward((PtNDArray) recomputed, (PtNDArray) upstream, true, false);
                    recomputed.attach(stepManager);
                    recorder.release(Held.UPSTREAM_GRADIENT, upstream);
                    upstream.close();
                } else {
                    backwardReleasing(recomputed, Held.ACTIVATIONS, upstream);
                }
            }
            buffers.restore();
            return segmentInput;
        }

        /** Diagnostic knob recomputeTwice: the segment's recompute forward, with grad, whose result is dropped at once. */
        private void recomputeDiscarded(NDArray segmentInput, SegmentPlan.Range r, NDManager segment) {
            try (NDManager extra = segment.newSubManager(); GradMode g = GradMode.enabled()) {
                runBlocks(ps, segmentInput, r.start(), r.end(), true, step, extra);
            }
        }
    }
}
