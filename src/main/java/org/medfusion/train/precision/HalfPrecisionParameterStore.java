package org.medfusion.train.precision;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.medfusion.checkpoint.GradMode;

/**
 * The parameter store of one mixed-precision micro-batch: blocks asking for a weight, bias or other
 * learnable tensor get a half-precision leaf copy of its float32 master (made once, on first use, and
 * returned again to every later forward of the micro-batch, the checkpointed recompute included);
 * normalisation parameters and running statistics ({@link #staysFloat32}) are the float32 masters
 * themselves, so BatchNorm updates its running statistics in place and their gradients land on the
 * masters directly. Copies live in the micro-batch's manager; after backward
 * {@link #addGradientsTo} folds their gradients, cast to float32, into the step's master gradients.
 */
public final class HalfPrecisionParameterStore extends ParameterStore {

    private final NDManager manager;
    private final DataType computeType;
    private final Map<String, Copy> copies = new LinkedHashMap<>();

    private record Copy(Parameter master, NDArray half) {
    }

    public HalfPrecisionParameterStore(NDManager microBatchManager, DataType computeType) {
        super(microBatchManager, false);
        this.manager = microBatchManager;
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
        if (c == null) {
            NDArray half;
            try (GradMode g = GradMode.disabled()) {
                half = master.toType(computeType, true);
            }
            half.attach(manager);
            if (parameter.requiresGradient()) {
                half.setRequiresGradient(true);
            }
            c = new Copy(parameter, half);
            copies.put(parameter.getId(), c);
        }
        return c.half();
    }

    /** Number of half-precision copies made so far. */
    public int copyCount() {
        return copies.size();
    }

    /** Adds each copy's gradient (cast to float32) to its master's float32 gradient in {@code gradients}. */
    public void addGradientsTo(MasterGradients gradients) {
        try (GradMode g = GradMode.disabled()) {
            for (Copy c : copies.values()) {
                if (!c.half().hasGradient()) {
                    continue;
                }
                try (NDArray grad = c.half().getGradient(); NDArray grad32 = grad.toType(DataType.FLOAT32, false)) {
                    gradients.add(c.master(), grad32);
                }
            }
        }
    }
}
