package org.medfusion.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;

/**
 * A copy of the non-trainable state of some blocks (BatchNorm running mean and variance, and any
 * other parameter that does not require a gradient), taken before a segment is recomputed and
 * written back after it, so that the recompute's second training-mode forward does not update
 * the running statistics a second time. PyTorch's own checkpoint does not do this (pytorch#96136).
 */
public final class BufferSnapshot {

    private static final NDIndex ALL = new NDIndex("...");

    private final List<NDArray> buffers;
    private final List<NDArray> copies;

    private BufferSnapshot(List<NDArray> buffers, List<NDArray> copies) {
        this.buffers = buffers;
        this.copies = copies;
    }

    /** The live buffer arrays of the given blocks (initialised blocks only). */
    public static List<NDArray> buffersOf(List<? extends Block> blocks) {
        List<NDArray> out = new ArrayList<>();
        for (Block b : blocks) {
            for (Pair<String, Parameter> p : b.getParameters()) {
                Parameter param = p.getValue();
                if (!param.requiresGradient() && param.isInitialized()) {
                    out.add(param.getArray());
                }
            }
        }
        return out;
    }

    /** Copies {@code buffers}; the copies live in {@code manager}. */
    public static BufferSnapshot take(List<NDArray> buffers, NDManager manager) {
        List<NDArray> copies = new ArrayList<>(buffers.size());
        try (GradMode g = GradMode.disabled()) {
            for (NDArray b : buffers) {
                NDArray c = b.duplicate();
                c.attach(manager);
                copies.add(c);
            }
        }
        return new BufferSnapshot(buffers, copies);
    }

    /** Writes the copies back into the live buffers, in place. */
    public void restore() {
        try (GradMode g = GradMode.disabled()) {
            for (int i = 0; i < buffers.size(); i++) {
                // in-place native copy; NDArray.copyTo would go through a direct ByteBuffer that only GC frees
                buffers.get(i).set(ALL, copies.get(i));
            }
        }
    }

    public boolean isEmpty() {
        return buffers.isEmpty();
    }
}
