package org.medfusion.results;

import java.util.Comparator;

/**
 * The coordinates of one cell of a benchmark matrix. {@code segments} 0 means checkpointing off.
 *
 * @param device {@code cpu} or {@code gpu}
 * @param precision {@code fp32} (the only precision measured on CPU) or {@code amp}
 */
public record CellKey(String model, int batch, int res, int segments, String precision, String device) {

    public static final Comparator<CellKey> ORDER = Comparator.comparing(CellKey::model)
            .thenComparingInt(CellKey::batch).thenComparingInt(CellKey::res)
            .thenComparing(CellKey::precision).thenComparing(CellKey::device)
            .thenComparingInt(CellKey::segments);

    /** A stable identifier, usable in file names: {@code resnet50_b16_r112_s4_fp32_cpu}. */
    public String id() {
        return model + "_b" + batch + "_r" + res + "_s" + segments + "_" + precision + "_" + device;
    }

    /** The same cell without checkpointing: the baseline of savings and slowdowns. */
    public CellKey plain() {
        return new CellKey(model, batch, res, 0, precision, device);
    }
}
