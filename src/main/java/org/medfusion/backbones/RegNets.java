package org.medfusion.backbones;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.List;
import org.medfusion.backbones.layers.Layers;
import org.medfusion.backbones.layers.MobileBlocks;
import org.medfusion.backbones.layers.Layers.Act;
import org.medfusion.backbones.layers.SqueezeExcitation;
import org.medfusion.backbones.layers.Residual;

/**
 * RegNetY 400MF to 32GF as torchvision defines them: a 3x3 stride-2 stem (32 channels, BN, ReLU),
 * four stages of {@code ResBottleneckBlock}s (1x1, grouped 3x3 with the stage's stride on the first
 * block, squeeze-excitation with ratio 0.25 of the block's input width, 1x1; projection shortcut
 * when width or stride change; ReLU after the sum), average pool and a Linear classifier. Stage
 * widths and depths come from the RegNet design parameters (depth, w_0, w_a, w_m, group width)
 * exactly as {@code BlockParams.from_init_params} quantises them (see {@link #stages}).
 *
 * <p>Checkpointing (mode 1, sequential layers): the blocks are the stem, every residual block and
 * the head (pool + classifier); the default is 4 segments.
 */
public final class RegNets {

    private RegNets() {
    }

    /** A variant's RegNet design parameters (torchvision's {@code from_init_params} arguments). */
    record Variant(String name, int depth, int w0, double wa, double wm, int groupWidth) {
    }

    /** One stage after quantisation: output width, block count and group width. */
    record Stage(int width, int depth, int groupWidth) {
    }

    private static final double SE_RATIO = 0.25;
    private static final int STEM_WIDTH = 32;

    private static final List<Variant> VARIANTS = List.of(
            new Variant("regnet_y_400mf", 16, 48, 27.89, 2.09, 8),
            new Variant("regnet_y_800mf", 14, 56, 38.84, 2.4, 16),
            new Variant("regnet_y_1_6gf", 27, 48, 20.71, 2.65, 24),
            new Variant("regnet_y_3_2gf", 21, 80, 42.63, 2.66, 24),
            new Variant("regnet_y_8gf", 17, 192, 76.82, 2.19, 56),
            new Variant("regnet_y_16gf", 18, 200, 106.23, 2.48, 112),
            new Variant("regnet_y_32gf", 20, 232, 115.89, 2.53, 232));

    public static List<ModelSpec> specs() {
        List<ModelSpec> out = new ArrayList<>();
        for (Variant v : VARIANTS) {
            out.add(new ModelSpec(v.name(), "RegNet", CheckpointMode.SEQUENTIAL_LAYERS, InputRule.CNN, o -> build(v, o)));
        }
        return out;
    }

    /**
     * torchvision's {@code BlockParams.from_init_params} with bottleneck multiplier 1: per-block
     * widths {@code w_0 + i * w_a} snapped to {@code w_0 * w_m^k} in log space and quantised to
     * multiples of 8 (in float32, as torch computes them), consecutive equal widths merged into
     * stages, then each stage width made divisible by its group width ({@code _make_divisible}),
     * the group width capped at the stage width.
     */
    static List<Stage> stages(Variant v) {
        final int quant = 8;
        float w0 = v.w0();
        float wa = (float) v.wa();
        float logWm = (float) Math.log(v.wm());
        int[] blockWidths = new int[v.depth()];
        for (int i = 0; i < v.depth(); i++) {
            float cont = (float) i * wa + w0;
            float capacity = (float) Math.rint((float) Math.log(cont / w0) / logWm);
            float w = w0 * (float) Math.pow((float) v.wm(), capacity);
            blockWidths[i] = (int) (Math.rint(w / quant) * quant);
        }
        List<Stage> out = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= v.depth(); i++) {
            if (i == v.depth() || blockWidths[i] != blockWidths[i - 1]) {
                int width = blockWidths[start];
                int group = Math.min(v.groupWidth(), width);
                out.add(new Stage(MobileBlocks.makeDivisible(width, group), i - start, group));
                start = i;
            }
        }
        return out;
    }

    static ModelParts build(Variant v, BackboneOptions o) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(Layers.convBnAct(STEM_WIDTH, 3, 2, 1, Act.RELU));
        int widthIn = STEM_WIDTH;
        for (Stage stage : stages(v)) {
            for (int i = 0; i < stage.depth(); i++) {
                blocks.add(bottleneck(widthIn, stage.width(), i == 0 ? 2 : 1, stage.groupWidth()));
                widthIn = stage.width();
            }
        }
        blocks.add(new SequentialBlock().add(Layers.globalAvgPoolFlatten()).add(Layers.linear(o.outputDim())));
        return new ModelParts(blocks, Backbone.DEFAULT_SEGMENTS);
    }

    /** {@code ResBottleneckBlock} with bottleneck multiplier 1 and squeeze-excitation. */
    private static Block bottleneck(int widthIn, int widthOut, int stride, int groupWidth) {
        int groups = widthOut / groupWidth;
        int squeeze = (int) Math.rint(SE_RATIO * widthIn);
        Block main = new SequentialBlock()
                .add(Layers.convBnAct(widthOut, 1, 1, 1, Act.RELU))
                .add(Layers.convBnAct(widthOut, 3, stride, groups, Act.RELU))
                .add(new SqueezeExcitation(widthOut, squeeze, Act.RELU, Act.SIGMOID))
                .add(Layers.convBnAct(widthOut, 1, 1, 1, Act.NONE));
        Block shortcut = widthIn != widthOut || stride != 1
                ? Layers.convBnAct(widthOut, 1, stride, 1, Act.NONE)
                : null;
        return new Residual(main, shortcut, Act.RELU, 0f);
    }
}
