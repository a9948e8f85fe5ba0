package org.medfusion.backbones;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import org.medfusion.backbones.layers.Layers;
import org.medfusion.backbones.layers.Layers.Act;
import org.medfusion.backbones.layers.Residual;

/**
 * ResNet 18/34/50/101/152 as torchvision defines them (ResNet V1.5: the stride of a bottleneck is
 * on its 3x3 convolution). 18 and 34 use basic blocks, 50+ bottlenecks. Checkpointable blocks
 * (mode 1): the stem, every residual block, the head; ResNet-50 has 1 + 16 + 1 = 18.
 */
public final class ResNets {

    private ResNets() {
    }

    /** A variant: bottleneck or basic blocks, and the block count of each of the four stages. */
    record Variant(String name, boolean bottleneck, int... layers) {
    }

    private static final List<Variant> VARIANTS = List.of(
            new Variant("resnet18", false, 2, 2, 2, 2),
            new Variant("resnet34", false, 3, 4, 6, 3),
            new Variant("resnet50", true, 3, 4, 6, 3),
            new Variant("resnet101", true, 3, 4, 23, 3),
            new Variant("resnet152", true, 3, 8, 36, 3));

    public static List<ModelSpec> specs() {
        List<ModelSpec> out = new ArrayList<>();
        for (Variant v : VARIANTS) {
            out.add(new ModelSpec(v.name(), "ResNet", CheckpointMode.SEQUENTIAL_LAYERS, InputRule.CNN, o -> build(v, o)));
        }
        return out;
    }

    static ModelParts build(Variant v, BackboneOptions o) {
        int expansion = v.bottleneck() ? 4 : 1;
        List<Block> blocks = new ArrayList<>();
        blocks.add(new SequentialBlock()
                .add(Layers.convBnAct(64, 7, 2, 1, Act.RELU))
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1))));
        int inPlanes = 64;
        int[] planes = {64, 128, 256, 512};
        for (int stage = 0; stage < 4; stage++) {
            for (int i = 0; i < v.layers()[stage]; i++) {
                int stride = stage > 0 && i == 0 ? 2 : 1;
                int p = planes[stage];
                Block shortcut = stride != 1 || inPlanes != p * expansion
                        ? Layers.convBnAct(p * expansion, 1, stride, 1, Act.NONE)
                        : null;
                Block main = v.bottleneck()
                        ? new SequentialBlock()
                                .add(Layers.convBnAct(p, 1, 1, 1, Act.RELU))
                                .add(Layers.convBnAct(p, 3, stride, 1, Act.RELU))
                                .add(Layers.convBnAct(p * 4, 1, 1, 1, Act.NONE))
                        : new SequentialBlock()
                                .add(Layers.convBnAct(p, 3, stride, 1, Act.RELU))
                                .add(Layers.convBnAct(p, 3, 1, 1, Act.NONE));
                blocks.add(new Residual(main, shortcut, Act.RELU, 0f));
                inPlanes = p * expansion;
            }
        }
        blocks.add(new SequentialBlock().add(Layers.globalAvgPoolFlatten()).add(Layers.linear(o.outputDim())));
        return new ModelParts(blocks, Backbone.DEFAULT_SEGMENTS);
    }
}
