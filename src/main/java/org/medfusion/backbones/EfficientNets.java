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
 * EfficientNet B0, B1 and B2 as torchvision defines them: the B0 MBConv table scaled by a width
 * multiplier (channels rounded with {@code _make_divisible(c * w, 8)}) and a depth multiplier
 * ({@code ceil(n * d)} blocks per stage); BatchNorm eps 1e-5 / momentum 0.1; SiLU; stochastic depth
 * 0.2 scaled linearly by the block's index over all blocks; head = pool, dropout (0.2 / 0.2 / 0.3),
 * linear. Also hosts the builder shared with {@link EfficientNetV2s}.
 *
 * <p>Checkpointable blocks (mode 1, default 4 segments): the stem convolution, every MBConv block,
 * the last 1x1 convolution, the head. B0 has 1 + 16 + 1 + 1 = 19, B1 and B2 1 + 23 + 1 + 1 = 26.
 */
public final class EfficientNets {

    private EfficientNets() {
    }

    /**
     * A stage of the network (torchvision's {@code MBConvConfig} / {@code FusedMBConvConfig}).
     *
     * @param fused FusedMBConv instead of MBConv
     * @param expandRatio expansion ratio
     * @param kernel depthwise (or fused) kernel size
     * @param stride stride of the first block
     * @param in input channels before width scaling
     * @param out output channels before width scaling
     * @param layers blocks before depth scaling
     */
    record Stage(boolean fused, double expandRatio, int kernel, int stride, int in, int out, int layers) {
        static Stage mb(double e, int k, int s, int in, int out, int n) {
            return new Stage(false, e, k, s, in, out, n);
        }

        static Stage fused(double e, int k, int s, int in, int out, int n) {
            return new Stage(true, e, k, s, in, out, n);
        }
    }

    /**
     * A variant: stages, width and depth multipliers (they scale MBConv stages only, as in
     * torchvision), classifier dropout, last-conv width (0: 4x the last stage's output), norm.
     */
    record Variant(String name, List<Stage> stages, double widthMult, double depthMult, float dropout,
            int lastChannel, Norm norm) {
    }

    /** Stochastic depth probability of the last block (torchvision's default 0.2). */
    static final double STOCHASTIC_DEPTH = 0.2;

    private static final List<Stage> B0 = List.of(
            Stage.mb(1, 3, 1, 32, 16, 1),
            Stage.mb(6, 3, 2, 16, 24, 2),
            Stage.mb(6, 5, 2, 24, 40, 2),
            Stage.mb(6, 3, 2, 40, 80, 3),
            Stage.mb(6, 5, 1, 80, 112, 3),
            Stage.mb(6, 5, 2, 112, 192, 4),
            Stage.mb(6, 3, 1, 192, 320, 1));

    private static final List<Variant> VARIANTS = List.of(
            new Variant("efficientnet_b0", B0, 1.0, 1.0, 0.2f, 0, Norm.DEFAULT),
            new Variant("efficientnet_b1", B0, 1.0, 1.1, 0.2f, 0, Norm.DEFAULT),
            new Variant("efficientnet_b2", B0, 1.1, 1.2, 0.3f, 0, Norm.DEFAULT));

    public static List<ModelSpec> specs() {
        return specs(VARIANTS, "EfficientNet");
    }

    static List<ModelSpec> specs(List<Variant> variants, String family) {
        List<ModelSpec> out = new ArrayList<>();
        for (Variant v : variants) {
            out.add(new ModelSpec(v.name(), family, CheckpointMode.SEQUENTIAL_LAYERS, InputRule.CNN, o -> build(v, o)));
        }
        return out;
    }

    static ModelParts build(Variant v, BackboneOptions o) {
        Norm norm = v.norm();
        List<int[]> stageDims = new ArrayList<>(); // in, out, layers after scaling
        int total = 0;
        for (Stage st : v.stages()) {
            // FusedMBConvConfig takes its numbers as they are; MBConvConfig scales and rounds them
            int[] dims = st.fused()
                    ? new int[] {st.in(), st.out(), st.layers()}
                    : new int[] {MobileBlocks.makeDivisible(st.in() * v.widthMult(), 8),
                            MobileBlocks.makeDivisible(st.out() * v.widthMult(), 8),
                            (int) Math.ceil(st.layers() * v.depthMult())};
            stageDims.add(dims);
            total += dims[2];
        }
        List<Block> blocks = new ArrayList<>();
        blocks.add(MobileBlocks.convBnAct(stageDims.get(0)[0], 3, 2, 1, Act.SILU, norm));
        int id = 0;
        for (int s = 0; s < v.stages().size(); s++) {
            Stage st = v.stages().get(s);
            int[] dims = stageDims.get(s);
            for (int i = 0; i < dims[2]; i++) {
                int in = i == 0 ? dims[0] : dims[1];
                int stride = i == 0 ? st.stride() : 1;
                float sd = (float) (STOCHASTIC_DEPTH * id / total);
                blocks.add(st.fused()
                        ? MobileBlocks.fusedMbConv(in, dims[1], st.expandRatio(), st.kernel(), stride, sd, norm)
                        : MobileBlocks.mbConv(in, dims[1], st.expandRatio(), st.kernel(), stride, sd, norm));
                id++;
            }
        }
        int lastIn = stageDims.get(stageDims.size() - 1)[1];
        int lastOut = v.lastChannel() > 0 ? v.lastChannel() : 4 * lastIn;
        blocks.add(MobileBlocks.convBnAct(lastOut, 1, 1, 1, Act.SILU, norm));
        blocks.add(new SequentialBlock()
                .add(Layers.globalAvgPoolFlatten())
                .add(TrainingNoise.dropout(v.dropout()))
                .add(Layers.linear(o.outputDim())));
        return new ModelParts(blocks, Backbone.DEFAULT_SEGMENTS);
    }
}
