package org.medfusion.backbones;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.List;
import org.medfusion.backbones.layers.Layers;
import org.medfusion.backbones.layers.TrainingNoise;
import org.medfusion.backbones.layers.Layers.Act;
import org.medfusion.backbones.layers.MobileBlocks;
import org.medfusion.backbones.layers.MobileBlocks.Norm;

/**
 * MobileNet V2, V3 Small and V3 Large as torchvision defines them (width multiplier 1.0).
 * V2: BatchNorm eps 1e-5 / momentum 0.1, ReLU6, head = pool, dropout 0.2, linear. V3: BatchNorm
 * eps 1e-3 / momentum 0.01, ReLU or hard-swish, squeeze-excitation with hard-sigmoid, head = pool,
 * linear to 1024 (small) / 1280 (large), hard-swish, dropout 0.2, linear.
 *
 * <p>Checkpointable blocks (mode 1, default 4 segments): the stem convolution, every inverted
 * residual block, the last 1x1 convolution, the head. V2 has 1 + 17 + 1 + 1 = 20, V3 Small 1 + 11
 * + 1 + 1 = 14, V3 Large 1 + 15 + 1 + 1 = 18.
 */
public final class MobileNets {

    private MobileNets() {
    }

    /** A MobileNetV2 stage: expansion t, output channels c, repeats n, first stride s. */
    record V2Stage(int t, int c, int n, int s) {
    }

    /** A MobileNetV3 block: input, kernel, expanded and output channels, SE, hard-swish, stride. */
    record V3Block(int in, int kernel, int expanded, int out, boolean se, boolean hardSwish, int stride) {
    }

    /** A MobileNetV3 variant: its blocks and the width of the classifier's hidden layer. */
    record V3Variant(String name, List<V3Block> blocks, int lastChannel) {
    }

    private static final List<V2Stage> V2_STAGES = List.of(
            new V2Stage(1, 16, 1, 1),
            new V2Stage(6, 24, 2, 2),
            new V2Stage(6, 32, 3, 2),
            new V2Stage(6, 64, 4, 2),
            new V2Stage(6, 96, 3, 1),
            new V2Stage(6, 160, 3, 2),
            new V2Stage(6, 320, 1, 1));

    private static final V3Variant V3_LARGE = new V3Variant("mobilenet_v3_large", List.of(
            new V3Block(16, 3, 16, 16, false, false, 1),
            new V3Block(16, 3, 64, 24, false, false, 2),
            new V3Block(24, 3, 72, 24, false, false, 1),
            new V3Block(24, 5, 72, 40, true, false, 2),
            new V3Block(40, 5, 120, 40, true, false, 1),
            new V3Block(40, 5, 120, 40, true, false, 1),
            new V3Block(40, 3, 240, 80, false, true, 2),
            new V3Block(80, 3, 200, 80, false, true, 1),
            new V3Block(80, 3, 184, 80, false, true, 1),
            new V3Block(80, 3, 184, 80, false, true, 1),
            new V3Block(80, 3, 480, 112, true, true, 1),
            new V3Block(112, 3, 672, 112, true, true, 1),
            new V3Block(112, 5, 672, 160, true, true, 2),
            new V3Block(160, 5, 960, 160, true, true, 1),
            new V3Block(160, 5, 960, 160, true, true, 1)), 1280);

    private static final V3Variant V3_SMALL = new V3Variant("mobilenet_v3_small", List.of(
            new V3Block(16, 3, 16, 16, true, false, 2),
            new V3Block(16, 3, 72, 24, false, false, 2),
            new V3Block(24, 3, 88, 24, false, false, 1),
            new V3Block(24, 5, 96, 40, true, true, 2),
            new V3Block(40, 5, 240, 40, true, true, 1),
            new V3Block(40, 5, 240, 40, true, true, 1),
            new V3Block(40, 5, 120, 48, true, true, 1),
            new V3Block(48, 5, 144, 48, true, true, 1),
            new V3Block(48, 5, 288, 96, true, true, 2),
            new V3Block(96, 5, 576, 96, true, true, 1),
            new V3Block(96, 5, 576, 96, true, true, 1)), 1024);

    private static final float DROPOUT = 0.2f;

    public static List<ModelSpec> specs() {
        List<ModelSpec> out = new ArrayList<>();
        out.add(new ModelSpec("mobilenet_v2", "MobileNet", CheckpointMode.SEQUENTIAL_LAYERS, InputRule.CNN,
                MobileNets::buildV2));
        for (V3Variant v : List.of(V3_SMALL, V3_LARGE)) {
            out.add(new ModelSpec(v.name(), "MobileNet", CheckpointMode.SEQUENTIAL_LAYERS, InputRule.CNN,
                    o -> buildV3(v, o)));
        }
        return out;
    }

    static ModelParts buildV2(BackboneOptions o) {
        Norm norm = Norm.DEFAULT;
        int lastChannel = MobileBlocks.makeDivisible(1280, 8);
        int in = MobileBlocks.makeDivisible(32, 8);
        List<Block> blocks = new ArrayList<>();
        blocks.add(MobileBlocks.convBnAct(in, 3, 2, 1, Act.RELU6, norm));
        for (V2Stage st : V2_STAGES) {
            int outCh = MobileBlocks.makeDivisible(st.c(), 8);
            for (int i = 0; i < st.n(); i++) {
                blocks.add(MobileBlocks.invertedResidualV2(in, outCh, i == 0 ? st.s() : 1, st.t(), norm));
                in = outCh;
            }
        }
        blocks.add(MobileBlocks.convBnAct(lastChannel, 1, 1, 1, Act.RELU6, norm));
        blocks.add(new SequentialBlock()
                .add(Layers.globalAvgPoolFlatten())
                .add(TrainingNoise.dropout(DROPOUT))
                .add(Layers.linear(o.outputDim())));
        return new ModelParts(blocks, Backbone.DEFAULT_SEGMENTS);
    }

    static ModelParts buildV3(V3Variant v, BackboneOptions o) {
        Norm norm = new Norm(1e-3f, 0.01f);
        List<Block> blocks = new ArrayList<>();
        blocks.add(MobileBlocks.convBnAct(v.blocks().get(0).in(), 3, 2, 1, Act.HARDSWISH, norm));
        for (V3Block b : v.blocks()) {
            blocks.add(MobileBlocks.invertedResidualV3(b.in(), b.kernel(), b.expanded(), b.out(), b.se(),
                    b.hardSwish() ? Act.HARDSWISH : Act.RELU, b.stride(), norm));
        }
        int lastConv = 6 * v.blocks().get(v.blocks().size() - 1).out();
        blocks.add(MobileBlocks.convBnAct(lastConv, 1, 1, 1, Act.HARDSWISH, norm));
        blocks.add(new SequentialBlock()
                .add(Layers.globalAvgPoolFlatten())
                .add(Layers.linear(v.lastChannel()))
                .add(Act.HARDSWISH.block())
                .add(TrainingNoise.dropout(DROPOUT))
                .add(Layers.linear(o.outputDim())));
        return new ModelParts(blocks, Backbone.DEFAULT_SEGMENTS);
    }
}
