package org.medfusion.backbones.layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The relative position bias of window attention (Swin's {@code ShiftedWindowAttention}, MaxViT's
 * {@code RelativePositionalMultiHeadAttention}): a trainable table of (2s-1)^2 x heads entries (truncated normal,
 * std 0.02, torchvision's {@code relative_position_bias_table}) indexed by the relative offset of each token pair
 * of an s x s window (torchvision's constant {@code relative_position_index} buffer, not a parameter).
 *
 * <p>The owning block registers {@link #table()} with {@code addParameter} and adds {@link #bias} to its
 * (..., heads, s*s, s*s) attention logits.
 */
public final class RelativePositionBias {

    private final int heads;
    private final int tokens;
    private final Parameter table;
    /** For each (head, i, j): the flat position of table[relativePositionIndex(i, j), head]. */
    private final long[] flatIndex;
    private final Map<Device, NDArray> indexByDevice = new ConcurrentHashMap<>();

    public RelativePositionBias(int window, int heads) {
        this.heads = heads;
        this.tokens = window * window;
        int side = 2 * window - 1;
        this.table = Parameter.builder().setName("relative_position_bias_table").setType(Parameter.Type.OTHER)
                .optShape(new Shape((long) side * side, heads)).optInitializer(new TruncatedNormalInitializer(0.02f))
                .build();
        this.flatIndex = flatIndex(window, heads);
    }

    /** The trainable table, to register on the owning block. */
    public Parameter table() {
        return table;
    }

    /**
     * torchvision's {@code relative_position_index} of an s x s window, flattened: for tokens i, j,
     * (dy + s - 1) * (2s - 1) + (dx + s - 1) with (dy, dx) = pos(i) - pos(j).
     */
    public static long[] relativePositionIndex(int size) {
        int n = size * size;
        long[] out = new long[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int dy = i / size - j / size + size - 1;
                int dx = i % size - j % size + size - 1;
                out[i * n + j] = (long) dy * (2 * size - 1) + dx;
            }
        }
        return out;
    }

    /** {@link #relativePositionIndex} expanded per head into flat table positions, laid out (heads, N, N). */
    public static long[] flatIndex(int window, int heads) {
        long[] rel = relativePositionIndex(window);
        int nn = rel.length;
        long[] out = new long[heads * nn];
        for (int h = 0; h < heads; h++) {
            for (int ij = 0; ij < nn; ij++) {
                out[h * nn + ij] = rel[ij] * heads + h;
            }
        }
        return out;
    }

    /**
     * The (heads, N, N) bias, created in x's manager (nothing a forward computes lands in the parameters'
     * manager). The index is a constant made once per device in the table's own long-lived manager, as a
     * libtorch-owned copy: {@code create()} wraps a Java direct buffer that DJL recycles, while {@code take} keeps
     * its index for the backward pass.
     */
    public NDArray bias(ParameterStore ps, NDArray x, boolean training) {
        NDArray t = ps.getValue(table, x.getDevice(), training);
        NDArray index = indexByDevice.computeIfAbsent(x.getDevice(), device -> {
            NDManager owner = table.getArray().getManager();
            NDArray wrapped = owner.create(flatIndex, new Shape(heads, tokens, tokens));
            NDArray placed = wrapped.toDevice(device, false);
            NDArray own = placed.duplicate();
            if (placed != wrapped) {
                placed.close();
            }
            wrapped.close();
            return own;
        });
        return t.take(x.getManager(), index);
    }
}
