package org.medfusion.backbones;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.List;
import org.medfusion.backbones.layers.ConvNeXtBlock;
import org.medfusion.backbones.layers.LayerNorm2d;
import org.medfusion.backbones.layers.Layers;
import org.medfusion.backbones.layers.StochasticDepth;

/**
 * ConvNeXt Tiny/Small/Base/Large as torchvision defines them: a 4x4 stride-4 stem conv (bias) +
 * LayerNorm2d, four stages of {@link ConvNeXtBlock}s separated by downsampling layers (LayerNorm2d
 * + 2x2 stride-2 conv with bias), and a head of average pool, LayerNorm over channels, flatten and
 * Linear. LayerNorms use eps 1e-6, layer scale starts at 1e-6, and stochastic depth grows linearly
 * over the blocks from 0 to torchvision's default (0.1 tiny, 0.4 small, 0.5 base and large).
 *
 * <p>Checkpointing (mode 3, hybrid by stage): the blocks are the stem, every CNBlock, each
 * downsampling layer as a block of its own (between its stages) and the head; the default is 4
 * segments.
 */
public final class ConvNeXts {

    private ConvNeXts() {
    }

    /** A variant: per-stage widths and block counts, and the final stochastic depth probability. */
    record Variant(String name, int[] widths, int[] depths, float stochasticDepth) {
    }

    private static final float LAYER_SCALE = 1e-6f;
    private static final float EPS = 1e-6f;

    private static final List<Variant> VARIANTS = List.of(
            new Variant("convnext_tiny", new int[] {96, 192, 384, 768}, new int[] {3, 3, 9, 3}, 0.1f),
            new Variant("convnext_small", new int[] {96, 192, 384, 768}, new int[] {3, 3, 27, 3}, 0.4f),
            new Variant("convnext_base", new int[] {128, 256, 512, 1024}, new int[] {3, 3, 27, 3}, 0.5f),
            new Variant("convnext_large", new int[] {192, 384, 768, 1536}, new int[] {3, 3, 27, 3}, 0.5f));

    public static List<ModelSpec> specs() {
        List<ModelSpec> out = new ArrayList<>();
        for (Variant v : VARIANTS) {
            out.add(new ModelSpec(v.name(), "ConvNeXt", CheckpointMode.HYBRID_STAGES, InputRule.CNN, o -> build(v, o)));
        }
        return out;
    }

    static ModelParts build(Variant v, BackboneOptions o) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(new SequentialBlock()
                .add(Layers.conv(v.widths()[0], 4, 4, 0, 1, 1, true))
                .add(new LayerNorm2d(EPS)));
        int total = 0;
        for (int d : v.depths()) {
            total += d;
        }
        int id = 0;
        for (int stage = 0; stage < 4; stage++) {
            if (stage > 0) {
                blocks.add(new SequentialBlock()
                        .add(new LayerNorm2d(EPS))
                        .add(Layers.conv(v.widths()[stage], 2, 2, 0, 1, 1, true)));
            }
            for (int i = 0; i < v.depths()[stage]; i++) {
                float p = StochasticDepth.linearRamp(v.stochasticDepth(), id, total);
                blocks.add(new ConvNeXtBlock(v.widths()[stage], LAYER_SCALE, p));
                id++;
            }
        }
        // torchvision: avgpool, then LayerNorm2d on the 1x1 map, flatten, Linear (same as LN on the pooled vector)
        blocks.add(new SequentialBlock()
                .add(Layers.globalAvgPoolFlatten())
                .add(ai.djl.nn.norm.LayerNorm.builder().axis(1).optEpsilon(EPS).build())
                .add(Layers.linear(o.outputDim())));
        return new ModelParts(blocks, Backbone.DEFAULT_SEGMENTS);
    }
}
