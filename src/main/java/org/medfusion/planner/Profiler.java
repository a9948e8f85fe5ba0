package org.medfusion.planner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.platform.NativeHeap;
import org.medfusion.platform.ProcMemory;
import org.medfusion.checkpoint.CheckpointedSequence;
import org.medfusion.checkpoint.GradMode;
import org.medfusion.train.SyntheticBatch;
import org.medfusion.train.TrainingStep;

/**
 * Measures a {@link ModelProfile} in this process. Meant to run in a child JVM ({@link ProfileWorker}):
 * the memory figures need {@code MALLOC_MMAP_THRESHOLD_=65536} in the process environment, exactly as the
 * memory forks of a measured cell, and a oneDNN crash must not take the caller with it.
 *
 * <p>Procedure: build the model on the CPU, run two full training steps (AdamW) so gradient buffers and
 * optimizer state exist as in a measured step's baseline. Then the optimizer update alone (after a forward
 * and backward), and for each block, from its input (computed by the no-grad forward of the blocks before
 * it), one unmeasured warm-up round (oneDNN creates and caches its primitives on the first call at a
 * shape; that cache is not the block's activation memory) and {@code repeats} measured rounds of:
 * <ol>
 *   <li>kept bytes: in a manager of its own, after {@code System.gc()} (DJL and JNA free native memory
 *       from cleaners; none may run inside the window), malloc in-use bytes ({@code mallinfo2}, exact, no
 *       page noise) before and after the block's forward with grad from a private copy of its input, the
 *       output retained: that growth is what the block adds while its input stays held (the first block of
 *       a segment, whose input is a boundary); then the copy's handle is closed, which frees it unless
 *       autograd saved it: the growth after that is what the block adds inside a chain;</li>
 *   <li>its no-grad forward, its forward with grad, and the backward of that forward with a gradient of
 *       ones of the output's shape, run as the engine runs a segment's (neither output nor gradient held,
 *       {@link CheckpointedSequence#backPropagateReleasing}); each peak is the resident high-water mark (reset through
 *       {@code /proc/self/clear_refs}) minus the resident size just before.</li>
 * </ol>
 * Every figure is the median over the measured rounds: a one-off (the JVM maps pages of its own now and
 * then, a compiler thread frees its arena) moves neither the median nor, unlike a minimum, biases it low.
 * The forward times kept are not those of the rounds above but of passes over the whole chain of blocks
 * ({@link #chainForwardTimes}), as a step and a recompute run them; the backward time is the round's.
 */
public final class Profiler {

    private final int repeats;

    public Profiler(int repeats) {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
        this.repeats = repeats;
    }

    /** The blocks' figures and the optimizer update's peak. */
    public record Result(List<BlockProfile> blocks, long updatePeakBytes) {
    }

    /**
     * Measures every block of {@code model} at batch/res on the CPU (fp32), and the optimizer update. Without
     * {@code chainTimes} the forward times stay the rounds' (each block timed alone), for a worker whose times are
     * discarded: the memory worker ({@link ProfileCache} takes every time from the worker run with the timing allocator).
     */
    public Result measure(String model, int batch, int res, boolean chainTimes) {
        try (Backbone bb = BackboneRegistry.create(model, BackboneOptions.defaults().withImageSize(res), ai.djl.Device.cpu());
                NDManager data = bb.manager().newSubManager()) {
            SyntheticBatch input = SyntheticBatch.create(data, batch, res, bb.options().outputDim(), 42);
            TrainingStep step = new TrainingStep(bb, bb.manager());
            step.step(input.images(), input.labels());
            step.step(input.images(), input.labels());
            long[] updates = new long[repeats];
            for (int r = 0; r < repeats; r++) {
                step.computeGradients(input.images(), input.labels());
                long rss = resetPeak();
                step.applyUpdate();
                updates[r] = ProcMemory.highWaterMarkBytes() - rss;
            }
            long update = median(updates);
            ParameterStore ps = step.parameterStore();
            List<Block> blocks = bb.blocks();
            List<BlockProfile> out = new ArrayList<>();
            NDArray x = input.images();
            for (int i = 0; i < blocks.size(); i++) {
                out.add(measureBlock(i, blocks.get(i), ps, x, data));
                NDArray next = forwardNoGrad(blocks.get(i), ps, x, data);
                if (x != input.images()) {
                    x.close();
                }
                x = next;
            }
            x.close();
            if (chainTimes) {
                double[][] chain = chainForwardTimes(blocks, ps, input.images(), data);
                for (int i = 0; i < out.size(); i++) {
                    out.set(i, out.get(i).withForwardTimes(chain[0][i], chain[1][i]));
                }
            }
            return new Result(out, update);
        }
    }

    /** Unmeasured passes of {@link #chainForwardTimes} before the measured ones. */
    static final int CHAIN_WARMUP_PASSES = 2;
    /** Measured passes of {@link #chainForwardTimes}; each block's time is its median over them. */
    static final int CHAIN_PASSES = 5;

    /**
     * Each block's forward time with grad ({@code [0]}) and without ({@code [1]}), timed as a step and a recompute run
     * it: block after block, each on the previous one's output, in passes over the whole chain (median per block over
     * {@link #CHAIN_PASSES} after {@link #CHAIN_WARMUP_PASSES}). A block timed alone, between the memory rounds'
     * {@code System.gc()} and page-table resets, reads whatever state those leave: ViT-B/16 b8 112 px on an AMD EPYC
     * (family 25) VM, its twelve identical encoder layers read 43-62 ms timed alone and 43-46 ms in chain passes (same
     * worker JVM, before it ran with the measuring forks' options, which took the layers to 33-35 ms).
     */
    static double[][] chainForwardTimes(List<Block> blocks, ParameterStore ps, NDArray images, NDManager data) {
        int n = blocks.size();
        double[][] withGrad = new double[n][CHAIN_PASSES];
        double[][] noGrad = new double[n][CHAIN_PASSES];
        for (int pass = -CHAIN_WARMUP_PASSES; pass < CHAIN_PASSES; pass++) {
            for (boolean grad : new boolean[] {true, false}) {
                try (NDManager m = data.newSubManager(); GradMode g = grad ? GradMode.enabled() : GradMode.disabled()) {
                    NDArray x = images.duplicate(); // in this pass's manager, so every array the pass makes is freed with it
                    x.attach(m);
                    for (int i = 0; i < n; i++) {
                        long t0 = System.nanoTime();
                        NDArray o = blocks.get(i).forward(ps, new NDList(x), true).singletonOrThrow();
                        double ms = (System.nanoTime() - t0) / 1e6;
                        o.attach(m);
                        if (pass >= 0) {
                            (grad ? withGrad : noGrad)[i][pass] = ms;
                        }
                        x = o;
                    }
                }
            }
        }
        double[][] out = new double[2][n];
        for (int i = 0; i < n; i++) {
            out[0][i] = median(withGrad[i]);
            out[1][i] = median(noGrad[i]);
        }
        return out;
    }

    private static NDArray forwardNoGrad(Block block, ParameterStore ps, NDArray x, NDManager data) {
        try (GradMode g = GradMode.disabled(); NDManager bm = data.newSubManager()) {
            x.tempAttach(bm);
            NDArray o = block.forward(ps, new NDList(x), true).singletonOrThrow();
            o.attach(data);
            return o;
        }
    }

    private BlockProfile measureBlock(int index, Block block, ParameterStore ps, NDArray x, NDManager data) {
        long outBytes = 0;
        long[] keptHeld = new long[repeats];
        long[] kept = new long[repeats];
        long[] fwdPeak = new long[repeats];
        long[] fwdNoGradPeak = new long[repeats];
        long[] bwdPeak = new long[repeats];
        double[] fwd = new double[repeats];
        double[] fwdNoGrad = new double[repeats];
        double[] bwd = new double[repeats];
        for (int round = -1; round < repeats; round++) {
            int r = Math.max(round, 0); // round -1 warms up; its figures are overwritten by round 0
            long[] k = keptBytes(index, block, ps, x, data);
            keptHeld[r] = k[0];
            kept[r] = k[1];
            // no-grad forward
            try (NDManager bm = data.newSubManager(); GradMode g = GradMode.disabled()) {
                x.tempAttach(bm);
                long rss = resetPeak();
                long t0 = System.nanoTime();
                NDArray o = block.forward(ps, new NDList(x), true).singletonOrThrow();
                fwdNoGrad[r] = (System.nanoTime() - t0) / 1e6;
                fwdNoGradPeak[r] = ProcMemory.highWaterMarkBytes() - rss;
                outBytes = o.getShape().size() * o.getDataType().getNumOfBytes();
            }
            // forward with grad, then backward
            try (NDManager m = data.newSubManager()) {
                NDArray in = x.stopGradient();
                in.attach(m);
                if (index > 0) {
                    in.setRequiresGradient(true);
                }
                NDArray o;
                try (GradMode g = GradMode.enabled(); NDManager bm = m.newSubManager()) {
                    in.tempAttach(bm);
                    long rss = resetPeak();
                    long t0 = System.nanoTime();
                    o = block.forward(ps, new NDList(in), true).singletonOrThrow();
                    fwd[r] = (System.nanoTime() - t0) / 1e6;
                    fwdPeak[r] = ProcMemory.highWaterMarkBytes() - rss;
                    o.attach(m);
                }
                NDArray upstream = o.onesLike();
                upstream.attach(m);
                long rss = resetPeak();
                long t0 = System.nanoTime();
                CheckpointedSequence.backPropagateReleasing(o, upstream); // as the engine runs a segment's backward
                bwd[r] = (System.nanoTime() - t0) / 1e6;
                bwdPeak[r] = ProcMemory.highWaterMarkBytes() - rss;
                if (index > 0) {
                    in.getGradient().attach(m);
                }
            }
        }
        long keptInChain = median(kept);
        return new BlockProfile(index, block.getClass().getSimpleName(), outBytes, keptInChain, median(fwdPeak),
                median(fwdNoGradPeak), median(bwdPeak), median(fwd), median(fwdNoGrad), median(bwd),
                Math.max(0, median(keptHeld) - keptInChain));
    }

    /**
     * One round of the kept-bytes measurement of a block: {@code {growth with the input held, growth after
     * the input's own handle is closed}} in malloc in-use bytes, the block's output retained in both.
     */
    private static long[] keptBytes(int index, Block block, ParameterStore ps, NDArray x, NDManager data) {
        try (NDManager m = data.newSubManager()) {
            // the first block's input is the batch, which a step holds throughout: measured in place
            NDArray in = index == 0 ? x : x.duplicate();
            if (index > 0) {
                in.attach(m);
                in.setRequiresGradient(true);
            }
            System.gc();
            long before = NativeHeap.inUseBytes();
            try (GradMode g = GradMode.enabled(); NDManager bm = m.newSubManager()) {
                in.tempAttach(bm);
                NDArray o = block.forward(ps, new NDList(in), true).singletonOrThrow();
                o.attach(m);
            }
            long held = NativeHeap.inUseBytes() - before;
            if (index > 0) {
                in.close();
            }
            long inChain = NativeHeap.inUseBytes() - before;
            return new long[] {held, inChain};
        }
    }

    private static long resetPeak() {
        ProcMemory.resetHighWaterMark();
        return ProcMemory.rssBytes();
    }

    private static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
