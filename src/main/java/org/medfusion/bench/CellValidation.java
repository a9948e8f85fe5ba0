package org.medfusion.bench;

import java.util.List;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.backbones.ModelSpec;

/**
 * Checks one cell's coordinates before anything is built or forked, with one-line errors naming
 * the bad value and what is allowed.
 */
public final class CellValidation {

    public static final List<String> DEVICES = List.of("cpu", "gpu");
    public static final List<String> PRECISIONS = List.of("fp32", "amp");

    private CellValidation() {
    }

    public static void validate(String model, int batch, int res, int segments, String precision, String device) {
        ModelSpec spec = BackboneRegistry.spec(model);
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        spec.inputRule().validate(model, res);
        int blocks = blockCount(spec, res);
        if (segments < 0 || segments > blocks) {
            throw new IllegalArgumentException("segments for " + model + " must be 0 (off) or between 1 and " + blocks
                    + " (its checkpointable blocks), got " + segments);
        }
        if (!DEVICES.contains(device)) {
            throw new IllegalArgumentException("device must be one of " + DEVICES + ", got '" + device + "'");
        }
        if (!PRECISIONS.contains(precision)) {
            throw new IllegalArgumentException("precision must be one of " + PRECISIONS + ", got '" + precision + "'");
        }
    }

    /** Number of checkpointable blocks, from the block list alone (no parameters are allocated). */
    public static int blockCount(ModelSpec spec, int res) {
        return spec.factory().apply(BackboneOptions.defaults().withImageSize(res)).blocks().size();
    }
}
