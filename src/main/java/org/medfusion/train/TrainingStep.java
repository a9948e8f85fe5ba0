package org.medfusion.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import java.util.List;
import org.medfusion.checkpoint.GradMode;
import org.medfusion.checkpoint.SequenceForward;
import org.medfusion.backbones.TrainableModel;

/**
 * One training step of a model, exactly as MedFusion trains: forward (checkpointed or plain, as the
 * model is switched), softmax cross-entropy, backward, optimizer update, gradients zeroed. With
 * {@code accumulation} k &gt; 1 the batch is split into k micro-batches whose losses (each divided
 * by k) are back-propagated in turn before the single update (gradient accumulation).
 *
 * <p>All arrays of a step live in a per-step NDManager closed at the end of the step, so the memory
 * in use between steps is only weights, gradient buffers and optimizer state (the steady state
 * the memory probes measure against).
 */
public final class TrainingStep {

    private final TrainableModel model;
    private final Optimizer optimizer;
    private final List<Parameter> parameters;
    private final int accumulation;
    private final NDManager manager;
    private final ParameterStore parameterStore;
    private long stepCount;

    public TrainingStep(TrainableModel model, OptimizerConfig optimizer, int accumulation, NDManager manager) {
        if (accumulation < 1) {
            throw new IllegalArgumentException("accumulation steps must be >= 1, got " + accumulation);
        }
        this.model = model;
        this.optimizer = optimizer.build();
        this.parameters = model.trainableParameters();
        this.accumulation = accumulation;
        this.manager = manager;
        this.parameterStore = new ParameterStore(manager, false);
    }

    public TrainingStep(TrainableModel model, NDManager manager) {
        this(model, OptimizerConfig.adamW(), 1, manager);
    }

    public ParameterStore parameterStore() {
        return parameterStore;
    }

    /** Runs one full step and returns its (mean) loss. */
    public float step(NDArray images, NDArray labels) {
        float loss = computeGradients(images, labels);
        applyUpdate();
        return loss;
    }

    /**
     * Forward, loss and backward only: afterwards every trainable parameter holds its gradient
     * (accumulated onto what it held). Returns the loss (mean over micro-batches).
     */
    public float computeGradients(NDArray images, NDArray labels) {
        long n = images.getShape().get(0);
        if (n % accumulation != 0) {
            throw new IllegalArgumentException("batch " + n + " is not divisible by " + accumulation + " accumulation steps");
        }
        long micro = n / accumulation;
        float total = 0f;
        for (int i = 0; i < accumulation; i++) {
            try (NDManager stepManager = manager.newSubManager()) {
                NDArray x;
                NDArray y;
                if (accumulation == 1) {
                    // ops on the inputs land in their manager: borrow them for the step so that
                    // nothing derived from them (one-hot labels, ...) outlives it
                    x = images;
                    y = labels;
                    x.tempAttach(stepManager);
                    y.tempAttach(stepManager);
                } else {
                    x = slice(images, i * micro, (i + 1) * micro, stepManager);
                    y = slice(labels, i * micro, (i + 1) * micro, stepManager);
                }
                SequenceForward forward = model.forwardTraining(parameterStore, x, stepCount * accumulation + i, stepManager);
                NDArray loss;
                try (GradMode g = GradMode.enabled()) {
                    loss = CrossEntropy.loss(forward.output(), y);
                    if (accumulation > 1) {
                        loss = loss.div(org.medfusion.backbones.layers.Layers.scalar(loss, accumulation));
                    }
                }
                forward.backward(loss);
                total += loss.getFloat(); // each micro-batch loss is already divided by k
            }
        }
        return total;
    }

    private static NDArray slice(NDArray a, long from, long to, NDManager m) {
        NDArray s = a.get(from + ":" + to);
        s.attach(m);
        return s;
    }

    /** Optimizer update from the accumulated gradients, then zeroes them; advances the step count. */
    public void applyUpdate() {
        try (GradMode g = GradMode.disabled()) {
            for (Parameter p : parameters) {
                NDArray weight = p.getArray();
                try (NDArray grad = weight.getGradient()) {
                    optimizer.update(p.getId(), weight, grad);
                }
                JniUtils.zeroGrad((PtNDArray) weight);
            }
        }
        stepCount++;
    }

    /** Zeroes all gradients without updating (used by verification between compared passes). */
    public void zeroGradients() {
        for (Parameter p : parameters) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
    }

    public long stepCount() {
        return stepCount;
    }
}
