package org.medfusion.results;

import java.util.Comparator;
import org.medfusion.checkpoint.Split;

/**
 * The coordinates of one cell of a benchmark matrix. {@code segments} 0 means checkpointing off; such a plain
 * cell has no split, so its split is always {@link Split#UNIFORM} (a null split, as in cells stored before the
 * split was a coordinate, reads as uniform too). {@code accumulation} k: each optimizer step runs k micro-batches of
 * {@code batch / k} images (gradient accumulation; {@code batch} stays the images per optimizer step, as the seed's
 * "batch 16 with accumulation 4"); cells stored before it was a coordinate (and 0) read as 1.
 */
public record CellKey(String model, int batch, int res, int segments, Split split, Precision precision, Device device, int accumulation) {

    public static final Comparator<CellKey> ORDER = Comparator.comparing(CellKey::model)
            .thenComparingInt(CellKey::batch).thenComparingInt(CellKey::res)
            .thenComparing(CellKey::precision).thenComparing(CellKey::device)
            .thenComparingInt(CellKey::accumulation)
            .thenComparing(CellKey::split)
            .thenComparingInt(CellKey::segments);

    public CellKey {
        if (split == null || segments == 0) {
            split = Split.UNIFORM;
        }
        if (accumulation == 0) {
            accumulation = 1; // absent in manifests written before it was a coordinate
        }
        if (accumulation < 1) {
            throw new IllegalArgumentException("accumulation must be >= 1, got " + accumulation);
        }
    }

    /** A cell without gradient accumulation (one micro-batch per step). */
    public CellKey(String model, int batch, int res, int segments, Split split, Precision precision, Device device) {
        this(model, batch, res, segments, split, precision, device, 1);
    }

    /** A uniform-split cell. */
    public CellKey(String model, int batch, int res, int segments, Precision precision, Device device) {
        this(model, batch, res, segments, Split.UNIFORM, precision, device);
    }

    /**
     * A stable identifier, usable in file names: {@code resnet50_b16_r112_s4_fp32_cpu}; a non-uniform split adds its
     * label after the segment count ({@code resnet50_b16_r112_s4_torch_fp32_cpu}), so uniform cells keep the ids
     * they had before the split was a coordinate; accumulation k &gt; 1 adds {@code _acc<k>} at the end.
     */
    public String id() {
        return model + "_b" + batch + "_r" + res + "_s" + segments + (split == Split.UNIFORM ? "" : "_" + split.label())
                + "_" + precision.label() + "_" + device.label() + (accumulation == 1 ? "" : "_acc" + accumulation);
    }

    /** Images per micro-batch: what one forward/backward holds activations for. */
    public int microBatch() {
        return batch / accumulation;
    }

    /** The same cell without checkpointing: the baseline of savings and slowdowns. */
    public CellKey plain() {
        return new CellKey(model, batch, res, 0, Split.UNIFORM, precision, device, accumulation);
    }
}
