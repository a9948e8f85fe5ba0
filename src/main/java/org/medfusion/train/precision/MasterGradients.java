package org.medfusion.train.precision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.medfusion.checkpoint.GradMode;

/**
 * The float32 gradients the optimizer reads under mixed precision. Cast parameters never receive a
 * gradient on their master (backward reaches only the half-precision copy), so their float32
 * gradients are kept here, one persistent buffer per parameter (like {@code param.grad} in PyTorch:
 * part of the steady state, zeroed in place after every step, skipped ones included, so a step never
 * allocates them again); normalisation parameters, which run in float32, keep theirs on the master as in
 * plain training.
 */
public final class MasterGradients {

    private static final NDIndex ALL = new NDIndex(":");

    private final NDManager manager;
    private final Map<String, NDArray> buffers = new HashMap<>();

    public MasterGradients(NDManager manager) {
        this.manager = manager;
    }

    /** Adds {@code grad} (float32 or half precision: the in-place add promotes) to {@code p}'s buffer. */
    void add(Parameter p, NDArray grad) {
        NDArray buf = buffers.get(p.getId());
        if (buf == null) {
            buf = manager.zeros(p.getArray().getShape(), DataType.FLOAT32, p.getArray().getDevice());
            buffers.put(p.getId(), buf);
        }
        buf.addi(grad);
    }

    /**
     * The float32 gradient of {@code p}: its buffer here, else the master's own gradient (a view
     * sharing its storage). The caller closes the returned handle only when {@link #isBuffer} is false.
     */
    public NDArray of(Parameter p) {
        NDArray buf = buffers.get(p.getId());
        return buf != null ? buf : p.getArray().getGradient();
    }

    public boolean isBuffer(Parameter p) {
        return buffers.containsKey(p.getId());
    }

    /** Number of float32 buffers held (one per cast parameter once a backward has run). */
    public int bufferCount() {
        return buffers.size();
    }

    /**
     * Divides every gradient by {@code scale} in place and reports whether all are finite (GradScaler's
     * {@code unscale_} with its inf/NaN check).
     */
    public boolean unscaleAndCheckFinite(List<Parameter> params, float scale) {
        boolean finite = true;
        try (GradMode g = GradMode.disabled()) {
            for (Parameter p : params) {
                NDArray grad = of(p);
                try {
                    grad.muli(1f / scale);
                    try (NDArray abs = grad.abs(); NDArray m = abs.max()) {
                        // max propagates NaN; inf stays inf
                        finite &= Float.isFinite(m.getFloat());
                    }
                } finally {
                    if (!isBuffer(p)) {
                        grad.close();
                    }
                }
            }
        }
        return finite;
    }

    /**
     * Zeroes every gradient in place, the buffers here and the masters' own. A fill, not a product with 0, so the
     * inf and NaN of a skipped step are cleared too and the buffers are kept (never re-allocated by the next step).
     */
    public void zero(List<Parameter> params) {
        try (GradMode g = GradMode.disabled()) {
            for (NDArray buf : buffers.values()) {
                buf.set(ALL, 0f);
            }
        }
        for (Parameter p : params) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
    }
}
