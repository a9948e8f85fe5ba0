package org.medfusion.bench;

import java.util.List;
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
        List<ai.djl.nn.Block> blocks = spec.factory().apply(BackboneOptions.defaults().withImageSize(res)).blocks();
        if (batch < 2 && blocks.stream().anyMatch(CellValidation::hasBatchNorm)) {
            throw new IllegalArgumentException("batch must be >= 2 for " + model + " (BatchNorm in training needs more than one"
                    + " value per channel), got " + batch);
        }
        SegmentCount.requireCell(model, blocks.size(), segments);
    }

    private static boolean hasBatchNorm(ai.djl.nn.Block b) {
        return b instanceof ai.djl.nn.norm.BatchNorm || b.getChildren().values().stream().anyMatch(CellValidation::hasBatchNorm);
    }

    /** Number of checkpointable blocks, from the block list alone (no parameters are allocated). */
    public static int blockCount(ModelSpec spec, int res) {
        return spec.factory().apply(BackboneOptions.defaults().withImageSize(res)).blocks().size();
    }
}
