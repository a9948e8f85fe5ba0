package org.medfusion.planner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.bench.NativeHeap;
import org.medfusion.bench.ProcMemory;
import org.medfusion.checkpoint.GradMode;
import org.medfusion.train.SyntheticBatch;
import org.medfusion.train.TrainingStep;

/**
 * Measures a {@link ModelProfile} in this process. Meant to run in a child JVM ({@link ProfileWorker}):
 * the memory figures need {@code MALLOC_MMAP_THRESHOLD_=65536} in the process environment, exactly as the
 * memory forks of a measured cell, and a oneDNN crash must not take the caller with it.
 *
 * <p>Procedure: build the model on the CPU, run two full training steps (AdamW) so gradient buffers and
 * optimizer state exist as in a measured step's baseline. Then
 * <ol>
 *   <li>a plain forward with grad, block by block as the engine runs it (each block in a sub-manager
 *       closed after it): {@code keptBytes} of block i = malloc in-use bytes after block i minus after
 *       block i-1 (exact: {@code mallinfo2}, no page noise); then that graph is dropped;</li>
 *   <li>for each block, from a detached copy of its input (computed by the no-grad forward of the blocks
 *       before it): its no-grad forward, its forward with grad, and the backward of that forward with a
 *       gradient of ones of the output's shape; each peak is the resident high-water mark (reset through
 *       {@code /proc/self/clear_refs}) minus the resident size just before;</li>
 *   <li>the optimizer update alone (after a forward and backward): its peak the same way.</li>
 * </ol>
 * Every figure is the minimum (memory) or median (time) over {@code repeats} runs: the minimum drops the
 * one-off pages the JVM itself maps now and then, which are not the block's.
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

    /** Measures every block of {@code model} at batch/res on the CPU (fp32), and the optimizer update. */
    public Result measure(String model, int batch, int res) {
        try (Backbone bb = BackboneRegistry.create(model, BackboneOptions.defaults().withImageSize(res), ai.djl.Device.cpu());
                NDManager data = bb.manager().newSubManager()) {
            SyntheticBatch input = SyntheticBatch.create(data, batch, res, bb.options().outputDim(), 42);
            TrainingStep step = new TrainingStep(bb, bb.manager());
            step.step(input.images(), input.labels());
            step.step(input.images(), input.labels());
            long update = Long.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                step.computeGradients(input.images(), input.labels());
                long rss = resetPeak();
                step.applyUpdate();
                update = Math.min(update, ProcMemory.highWaterMarkBytes() - rss);
            }
            ParameterStore ps = step.parameterStore();
            List<Block> blocks = bb.blocks();
            long[] kept = keptInChain(blocks, ps, input.images(), data);
            List<BlockProfile> out = new ArrayList<>();
            NDArray x = input.images();
            for (int i = 0; i < blocks.size(); i++) {
                out.add(measureBlock(i, blocks.get(i), ps, x, kept[i], data));
                NDArray next = forwardNoGrad(blocks.get(i), ps, x, data);
                if (x != input.images()) {
                    x.close();
                }
                x = next;
            }
            x.close();
            return new Result(out, update);
        }
    }

    private long[] keptInChain(List<Block> blocks, ParameterStore ps, NDArray images, NDManager data) {
        long[] best = new long[blocks.size()];
        Arrays.fill(best, Long.MAX_VALUE);
        for (int r = 0; r < repeats; r++) {
            try (NDManager chain = data.newSubManager(); GradMode g = GradMode.enabled()) {
                long before = NativeHeap.inUseBytes();
                NDArray current = images;
                for (int i = 0; i < blocks.size(); i++) {
                    try (NDManager bm = chain.newSubManager()) {
                        if (current == images) {
                            current.tempAttach(bm);
                        } else {
                            current.attach(bm);
                        }
                        NDArray o = blocks.get(i).forward(ps, new NDList(current), true).singletonOrThrow();
                        o.attach(chain);
                        current = o;
                    }
                    long now = NativeHeap.inUseBytes();
                    best[i] = Math.min(best[i], now - before);
                    before = now;
                }
            }
        }
        return best;
    }

    private static NDArray forwardNoGrad(Block block, ParameterStore ps, NDArray x, NDManager data) {
        try (GradMode g = GradMode.disabled(); NDManager bm = data.newSubManager()) {
            x.tempAttach(bm);
            NDArray o = block.forward(ps, new NDList(x), true).singletonOrThrow();
            o.attach(data);
            return o;
        }
    }

    private BlockProfile measureBlock(int index, Block block, ParameterStore ps, NDArray x, long kept, NDManager data) {
        long outBytes = 0;
        long fwdPeak = Long.MAX_VALUE;
        long fwdNoGradPeak = Long.MAX_VALUE;
        long bwdPeak = Long.MAX_VALUE;
        double[] fwd = new double[repeats];
        double[] fwdNoGrad = new double[repeats];
        double[] bwd = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            // no-grad forward
            try (NDManager bm = data.newSubManager(); GradMode g = GradMode.disabled()) {
                x.tempAttach(bm);
                long rss = resetPeak();
                long t0 = System.nanoTime();
                NDArray o = block.forward(ps, new NDList(x), true).singletonOrThrow();
                fwdNoGrad[r] = (System.nanoTime() - t0) / 1e6;
                fwdNoGradPeak = Math.min(fwdNoGradPeak, ProcMemory.highWaterMarkBytes() - rss);
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
                    fwdPeak = Math.min(fwdPeak, ProcMemory.highWaterMarkBytes() - rss);
                    o.attach(m);
                }
                NDArray upstream = o.onesLike();
                upstream.attach(m);
                long rss = resetPeak();
                long t0 = System.nanoTime();
                JniUtils.backward((PtNDArray) o, (PtNDArray) upstream, false, false);
                bwd[r] = (System.nanoTime() - t0) / 1e6;
                bwdPeak = Math.min(bwdPeak, ProcMemory.highWaterMarkBytes() - rss);
                if (index > 0) {
                    in.getGradient().attach(m);
                }
            }
        }
        return new BlockProfile(index, block.getClass().getSimpleName(), outBytes, kept, fwdPeak, fwdNoGradPeak, bwdPeak,
                median(fwd), median(fwdNoGrad), median(bwd));
    }

    private static long resetPeak() {
        ProcMemory.resetHighWaterMark();
        return ProcMemory.rssBytes();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
