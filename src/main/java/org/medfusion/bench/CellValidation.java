package org.medfusion.bench;

import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.backbones.ModelSpec;
import org.medfusion.checkpoint.SegmentCount;
import org.medfusion.results.CellKey;

/**
 * Checks one cell's coordinates before anything is built or forked, with one-line errors naming
 * the bad value and what is allowed.
 */
public final class CellValidation {

    private CellValidation() {
    }

    public static void validate(CellKey key) {
        validate(key.model(), key.batch(), key.res(), key.segments());
    }

    public static void validate(String model, int batch, int res, int segments) {
        ModelSpec spec = BackboneRegistry.spec(model);
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        spec.inputRule().validate(model, res);
        SegmentCount.requireCell(model, blockCount(spec, res), segments);
    }

    /** Number of checkpointable blocks, from the block list alone (no parameters are allocated). */
    public static int blockCount(ModelSpec spec, int res) {
        return spec.factory().apply(BackboneOptions.defaults().withImageSize(res)).blocks().size();
    }
}
