package org.medfusion.backbones;

import ai.djl.nn.Block;
import java.util.List;
import org.medfusion.checkpoint.SegmentCount;

/**
 * What a family builds for one variant: the ordered checkpointable blocks (the last one is the
 * head: pooling + classifier/projection to {@link BackboneOptions#outputDim()}), and the default
 * segment count of {@code enableGradientCheckpointing()} (4 for CNNs, the number of layers for
 * transformers).
 */
public record ModelParts(List<Block> blocks, int defaultSegments) {
    public ModelParts {
        blocks = List.copyOf(blocks);
        if (blocks.size() < 2) {
            throw new IllegalArgumentException("a backbone needs at least two blocks (body and head)");
        }
        SegmentCount.requireEnabled("the default", blocks.size(), defaultSegments);
    }
}
