package org.medfusion.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;

/**
 * The element bytes of the arrays a training step starts from and keeps: parameters (buffers such as BatchNorm's
 * running statistics included), their gradients, the optimizer's state and the batch. Counted from the live arrays
 * after the warm-up steps created gradients and optimizer state, never from the parameter count.
 */
record StepStateBytes(long parameters, long gradients, long optimizerState, long batch) {

    /** Bytes of one array's elements. */
    static long of(NDArray a) {
        return a.getShape().size() * a.getDataType().getNumOfBytes();
    }

    /** The state of {@code blocks} trained by {@code optimizer} on {@code batch}. */
    static StepStateBytes measure(List<Block> blocks, Optimizer optimizer, List<NDArray> batch) {
        long params = 0;
        long grads = 0;
        for (Block b : blocks) {
            for (Pair<String, Parameter> p : b.getParameters()) {
                NDArray w = p.getValue().getArray();
                params += of(w);
                if (p.getValue().requiresGradient() && w.hasGradient()) {
                    try (NDArray g = w.getGradient()) {
                        grads += of(g);
                    }
                }
            }
        }
        long input = 0;
        for (NDArray a : batch) {
            input += of(a);
        }
        return new StepStateBytes(params, grads, optimizerStateBytes(optimizer), input);
    }

    /**
     * The arrays DJL's optimizers keep per parameter (AdamW's means and variances, SGD's momentum states): every
     * field of the optimizer's class that maps parameter ids to per-device arrays. Read by reflection, DJL keeps
     * them private.
     */
    static long optimizerStateBytes(Optimizer optimizer) {
        long bytes = 0;
        for (Class<?> c = optimizer.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Map.class.isAssignableFrom(f.getType()) || java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    bytes += arrayBytes(f.get(optimizer));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("cannot read the optimizer's state " + c.getSimpleName() + "." + f.getName()
                            + ": " + e.getMessage(), e);
                }
            }
        }
        return bytes;
    }

    private static long arrayBytes(Object value) {
        if (value instanceof NDArray a) {
            return of(a);
        }
        long sum = 0;
        if (value instanceof Map<?, ?> m) {
            for (Object v : m.values()) {
                sum += arrayBytes(v);
            }
        }
        return sum;
    }
}
