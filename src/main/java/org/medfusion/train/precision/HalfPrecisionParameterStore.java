package org.medfusion.train.precision;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.medfusion.checkpoint.GradMode;

/**
 * The parameter store of mixed-precision training: blocks asking for a weight, bias or other learnable tensor get
 * a half-precision leaf copy of its float32 master; normalisation parameters and running statistics
 * ({@link #staysFloat32}) are the float32 masters themselves, so BatchNorm updates its running statistics in place
 * and their gradients land on the masters directly.
 *
 * <p><b>The copies are persistent</b> (Apex O2's "model weights in half precision"): made once, on first use, in the
 * training step's long-lived manager, read by every forward (the checkpointed recompute included), and refreshed in
 * place from the masters after each applied optimizer update ({@link #refreshFromMasters}). Their half-precision
 * gradients are persistent too: after backward {@link #moveGradientsTo} adds each into the step's float32 master
 * gradient and zeroes it in place. So neither the copies nor their gradients are allocated during a step: they are
 * part of the steady state, which grows by two bytes per cast parameter for the copy and two for its gradient
 * (ResNet-50: 25.5 M parameters, about 102 MB), in exchange for a step peak that holds only activations and
 * workspaces. (DJL 0.36 can neither free a leaf's gradient nor hook into backward, so the half-precision gradients
 * cannot be folded into float32 one by one as backward produces them.)
 *
 * <p>A copy is made again when its parameter's array is replaced (weights loaded into a new array); a master
 * changed in place outside {@link #refreshFromMasters} (by code other than the training step) must be followed by a
 * call to it.
 */
public final class HalfPrecisionParameterStore extends ParameterStore {

    /** Every element along the first axis: the target of an in-place copy. */
    private static final NDIndex ALL = new NDIndex(":");

    private final NDManager manager;
    private final DataType computeType;
    private final Map<String, Copy> copies = new LinkedHashMap<>();

    private record Copy(Parameter parameter, NDArray master, NDArray half) {
    }

    /** @param manager the long-lived manager that holds the copies (the training step's) */
    public HalfPrecisionParameterStore(NDManager manager, DataType computeType) {
        super(manager, false);
        this.manager = manager;
        this.computeType = computeType;
    }

    /** Normalisation parameters and buffers (BatchNorm, LayerNorm) are never cast. */
    public static boolean staysFloat32(Parameter p) {
        switch (p.getType()) {
            case GAMMA:
            case BETA:
            case RUNNING_MEAN:
            case RUNNING_VAR:
                return true;
            default:
                return false;
        }
    }

    @Override
    public NDArray getValue(Parameter parameter, Device device, boolean training) {
        if (parameter == null) {
            return null; // an optional parameter left out (a convolution without bias), as DJL's store answers
        }
        NDArray master = parameter.getArray();
        if (staysFloat32(parameter) || master.getDataType() != DataType.FLOAT32) {
            return master;
        }
        Copy c = copies.get(parameter.getId());
        if (c == null || c.master() != master) {
            if (c != null) {
                c.half().close();
            }
            NDArray half;
            try (GradMode g = GradMode.disabled()) {
                half = master.toType(computeType, true);
            }
            half.attach(manager);
            if (parameter.requiresGradient()) {
                half.setRequiresGradient(true);
            }
            c = new Copy(parameter, master, half);
            copies.put(parameter.getId(), c);
        }
        return c.half();
    }

    /** Number of half-precision copies held. */
    public int copyCount() {
        return copies.size();
    }

    /** Bytes held by the copies and their gradients (two per element each): what the steady state grows by. */
    public long steadyStateBytes() {
        long elements = 0;
        for (Copy c : copies.values()) {
            elements += c.half().size();
        }
        return elements * 2 * 2;
    }

    /**
     * Adds each copy's half-precision gradient to its master's float32 gradient in {@code gradients} (a mixed-type
     * in-place add: no float32 temporary), then zeroes the half-precision gradient in place.
     */
    public void moveGradientsTo(MasterGradients gradients) {
        try (GradMode g = GradMode.disabled()) {
            for (Copy c : copies.values()) {
                if (!c.half().hasGradient()) {
                    continue;
                }
                try (NDArray grad = c.half().getGradient()) {
                    gradients.add(c.parameter(), grad);
                }
                JniUtils.zeroGrad((PtNDArray) c.half());
            }
        }
    }

    /** Zeroes the copies' half-precision gradients in place (NaN-safe: a fill, not a product). */
    public void zeroGradients() {
        try (GradMode g = GradMode.disabled()) {
            for (Copy c : copies.values()) {
                if (c.half().hasGradient()) {
                    JniUtils.zeroGrad((PtNDArray) c.half());
                }
            }
        }
    }

    /** Copies every master into its half-precision copy in place (after an optimizer update). */
    public void refreshFromMasters() {
        try (GradMode g = GradMode.disabled()) {
            for (Copy c : copies.values()) {
                c.half().set(ALL, c.master());
            }
        }
    }
}
