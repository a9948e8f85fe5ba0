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
import org.medfusion.checkpoint.Held;
import org.medfusion.checkpoint.StepEvent;
import org.medfusion.checkpoint.StepRecorder;
import org.medfusion.checkpoint.SequenceForward;
import org.medfusion.backbones.TrainableModel;
import org.medfusion.train.precision.Fp32Ops;
import org.medfusion.train.precision.HalfPrecisionParameterStore;
import org.medfusion.train.precision.MasterGradients;
import org.medfusion.train.precision.MixedPrecision;

/**
 * One training step of a model, exactly as MedFusion trains: forward (checkpointed or plain, as the
 * model is switched), softmax cross-entropy, backward, optimizer update, gradients zeroed. With
 * {@code accumulation} k &gt; 1 the batch is split into k micro-batches whose losses (each divided
 * by k) are back-propagated in turn before the single update (gradient accumulation).
 *
 * <p>All arrays of a step live in a per-step NDManager closed at the end of the step, so the memory
 * in use between steps is only weights, gradient buffers and optimizer state (the steady state
 * the memory probes measure against).
 *
 * <p>With a {@link MixedPrecision} the step runs mixed precision (see there for which ops stay float32):
 * input in half precision, weights read from persistent half-precision copies
 * ({@link HalfPrecisionParameterStore}: part of the steady state, refreshed in place after each update), the
 * loss in float32 multiplied by the loss scale before backward, half-precision gradients added into float32
 * master gradients after each micro-batch, unscaled and checked; a step whose gradients hold inf or NaN is
 * skipped (no optimizer update, gradients zeroed in place) and the scale backs off.
 */
public final class TrainingStep {

    private final TrainableModel model;
    private final Optimizer optimizer;
    private final List<Parameter> parameters;
    private final int accumulation;
    private final NDManager manager;
    private final ParameterStore parameterStore;
    private final MixedPrecision amp; // null: float32 training
    private final MasterGradients masterGradients; // null: float32 training
    private final HalfPrecisionParameterStore halfStore; // null: float32 training
    private long stepCount;
    private boolean lastStepSkipped;
    private StepRecorder recorder = StepRecorder.OFF;

    public TrainingStep(TrainableModel model, OptimizerConfig optimizer, int accumulation, NDManager manager) {
        this(model, optimizer, accumulation, manager, null);
    }

    /** As the float32 constructor; {@code amp} non-null trains in mixed precision. */
    public TrainingStep(TrainableModel model, OptimizerConfig optimizer, int accumulation, NDManager manager,
            MixedPrecision amp) {
        if (accumulation < 1) {
            throw new IllegalArgumentException("accumulation steps must be >= 1, got " + accumulation);
        }
        this.model = model;
        this.optimizer = optimizer.build();
        this.parameters = model.trainableParameters();
        this.accumulation = accumulation;
        this.manager = manager;
        this.parameterStore = new ParameterStore(manager, false);
        this.amp = amp;
        this.masterGradients = amp == null ? null : new MasterGradients(manager);
        this.halfStore = amp == null ? null : new HalfPrecisionParameterStore(manager, amp.computeType());
    }

    /**
     * Sets who receives the step's own events (start, loss, gradient accumulation, optimizer update); the model's
     * forward and backward report theirs to the recorder set on its sequence. {@link StepRecorder#OFF} by default.
     */
    public void setRecorder(StepRecorder recorder) {
        this.recorder = recorder == null ? StepRecorder.OFF : recorder;
    }

    /** The optimizer, whose state a timeline attributes. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The mixed-precision setting, or null for float32 training. */
    public MixedPrecision mixedPrecision() {
        return amp;
    }

    /**
     * The store the forward reads under this step's precision: the float32 one, or under mixed precision the
     * persistent half-precision copies (whose input must be cast to {@link MixedPrecision#computeType()}).
     */
    public ParameterStore forwardParameterStore() {
        return halfStore != null ? halfStore : parameterStore;
    }

    /** Whether the last {@link #applyUpdate} skipped the optimizer (non-finite gradients under mixed precision). */
    public boolean lastStepSkipped() {
        return lastStepSkipped;
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
        recorder.event(StepEvent.STEP_START, -1, -1);
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
                ParameterStore ps = parameterStore;
                if (amp != null) {
                    ps = halfStore;
                    x = x.toType(amp.computeType(), false);
                    x.attach(stepManager);
                    recorder.hold(Held.STEP_INPUT, x);
                }
                SequenceForward forward = model.forwardTraining(ps, x, stepCount * accumulation + i, stepManager);
                NDArray loss;
                NDArray backwardLoss;
                try (GradMode g = GradMode.enabled()) {
                    loss = CrossEntropy.loss(Fp32Ops.toFloat32(forward.output()), y);
                    if (accumulation > 1) {
                        loss = loss.div(org.medfusion.backbones.layers.Layers.scalar(loss, accumulation));
                    }
                    backwardLoss = amp == null ? loss
                            : loss.mul(org.medfusion.backbones.layers.Layers.scalar(loss, amp.scaler().scale()));
                }
                recorder.event(StepEvent.LOSS, -1, -1);
                forward.backward(backwardLoss);
                if (halfStore != null) {
                    halfStore.moveGradientsTo(masterGradients);
                }
                total += loss.getFloat(); // each micro-batch loss is already divided by k
            }
            recorder.event(StepEvent.GRADIENT_ACCUMULATION, -1, i); // the micro-batch's manager freed all it held
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
        if (amp != null) {
            applyMixedPrecisionUpdate();
            recorder.event(StepEvent.OPTIMIZER_UPDATE, -1, -1);
            return;
        }
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
        recorder.event(StepEvent.OPTIMIZER_UPDATE, -1, -1);
    }

    /** GradScaler's unscale, check, step-or-skip and scale update, then zeroed gradients. */
    private void applyMixedPrecisionUpdate() {
        boolean finite = masterGradients.unscaleAndCheckFinite(parameters, amp.scaler().scale());
        if (finite) {
            try (GradMode g = GradMode.disabled()) {
                for (Parameter p : parameters) {
                    NDArray grad = masterGradients.of(p);
                    try {
                        optimizer.update(p.getId(), p.getArray(), grad);
                    } finally {
                        if (!masterGradients.isBuffer(p)) {
                            grad.close();
                        }
                    }
                }
            }
        }
        masterGradients.zero(parameters);
        if (finite) {
            halfStore.refreshFromMasters();
        }
        amp.scaler().update(!finite);
        lastStepSkipped = !finite;
        stepCount++;
    }

    /**
     * The float32 gradient the optimizer will read for {@code p}, unscaled only after
     * {@link #applyUpdate}: under mixed precision the master-gradient buffer (scaled), else the
     * parameter's own gradient. A copy on the Java heap.
     */
    public float[] gradientOf(Parameter p) {
        if (amp == null) {
            try (NDArray g = p.getArray().getGradient()) {
                return g.toFloatArray();
            }
        }
        NDArray g = masterGradients.of(p);
        try {
            return g.toFloatArray();
        } finally {
            if (!masterGradients.isBuffer(p)) {
                g.close();
            }
        }
    }

    /** Zeroes all gradients without updating (used by verification between compared passes). */
    public void zeroGradients() {
        if (masterGradients != null) {
            halfStore.zeroGradients();
            masterGradients.zero(parameters);
            return;
        }
        for (Parameter p : parameters) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
    }

    public long stepCount() {
        return stepCount;
    }
}
