package org.medfusion.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.medfusion.backbones.Backbone;
import org.medfusion.checkpoint.BufferSnapshot;

/**
 * Proves checkpointed training equals plain training for one model: from the same weights, buffers
 * and input, runs the gradient computation of one step plainly, then with {@code segments}
 * segments, and compares loss, every parameter gradient and the BatchNorm running statistics.
 * The model is left with its original buffers and zero gradients; weights are never updated.
 */
public final class Verifier {

    private Verifier() {
    }

    public static VerificationResult verify(Backbone model, int batch, int res, int segments, long seed) {
        return verify(model, batch, res, segments, org.medfusion.checkpoint.SplitPolicy.UNIFORM, seed);
    }

    /** As {@link #verify(Backbone, int, int, int, long)}, the checkpointed pass with segment boundaries from {@code split}. */
    public static VerificationResult verify(Backbone model, int batch, int res, int segments,
            org.medfusion.checkpoint.SplitPolicy split, long seed) {
        boolean wasEnabled = model.isGradientCheckpointingEnabled();
        int previousSegments = model.segments();
        try (NDManager m = model.manager().newSubManager()) {
            SyntheticBatch batchData = SyntheticBatch.create(m, batch, res, model.options().outputDim(), seed);
            NDArray[] xy = {batchData.images(), batchData.labels()};
            TrainingStep step = new TrainingStep(model, m);
            List<NDArray> buffers = BufferSnapshot.buffersOf(model.blocks());
            BufferSnapshot initial = BufferSnapshot.take(buffers, m);
            List<float[]> before = copy(buffers);
            step.zeroGradients();

            model.disableGradientCheckpointing();
            Pass plain = pass(model, step, xy, buffers, initial);
            model.enableGradientCheckpointing(segments, split);
            Pass ckpt = pass(model, step, xy, buffers, initial);

            return new VerificationResult(model.name(), batch, res, segments, plain.loss, ckpt.loss,
                    plain.grads.maxRelativeError(ckpt.grads), maxAbsDiff(plain.buffers, ckpt.buffers),
                    maxAbsDiff(before, plain.buffers) > 0, ckpt.grads.withoutGradient(), plain.grads.withoutGradient(),
                    plain.ms, ckpt.ms);
        } finally {
            if (wasEnabled) {
                model.enableGradientCheckpointing(previousSegments);
            } else {
                model.disableGradientCheckpointing();
            }
        }
    }

    /** What one gradient computation left behind: loss, time, gradients and buffers. */
    private record Pass(float loss, double ms, GradientComparison grads, List<float[]> buffers) {
    }

    /** One forward+backward from the snapshot state; afterwards buffers and gradients are reset. */
    private static Pass pass(Backbone model, TrainingStep step, NDArray[] xy, List<NDArray> buffers, BufferSnapshot initial) {
        long t0 = System.nanoTime();
        float loss = step.computeGradients(xy[0], xy[1]);
        double ms = (System.nanoTime() - t0) / 1e6;
        Pass p = new Pass(loss, ms, GradientComparison.capture(model.trainableParameters()), copy(buffers));
        initial.restore();
        step.zeroGradients();
        return p;
    }

    private static List<float[]> copy(List<NDArray> arrays) {
        List<float[]> out = new ArrayList<>(arrays.size());
        for (NDArray a : arrays) {
            out.add(a.toFloatArray());
        }
        return out;
    }

    private static double maxAbsDiff(List<float[]> a, List<float[]> b) {
        double d = 0;
        for (int i = 0; i < a.size(); i++) {
            float[] x = a.get(i);
            float[] y = b.get(i);
            for (int j = 0; j < x.length; j++) {
                d = Math.max(d, Math.abs((double) x[j] - y[j]));
            }
        }
        return d;
    }
}
