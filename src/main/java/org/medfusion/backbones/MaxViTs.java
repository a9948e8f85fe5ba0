package org.medfusion.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.LayerNorm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.medfusion.backbones.layers.Layers;
import org.medfusion.backbones.layers.Layers.Act;
import org.medfusion.backbones.layers.MaxVitLayers;
import org.medfusion.backbones.layers.StochasticDepth;

/**
 * MaxViT as torchvision defines it ({@code torchvision/models/maxvit.py}); variant maxvit_t.
 * Stem: 3x3/2 conv + BN(eps 1e-3, momentum 0.99) + GELU, then a 3x3 conv with bias. Four stages
 * of MaxViT layers (see {@link MaxVitLayers#maxVitLayer}: MBConv, window attention, grid
 * attention), the first layer of each stage halving the resolution; stochastic depth grows
 * linearly from 0 to 0.2 over all layers. Head: global average pool, LayerNorm, Linear, Tanh,
 * Linear without bias (numClasses outputs, or featureDim when a projection is requested).
 *
 * <p>Checkpointing (mode 2, transformer layers): blocks are the stem, every MaxViT layer
 * (2+2+5+2 = 11 for maxvit_t) and the head; the default segment count is the number of MaxViT
 * layers (11).
 *
 * <p>Input: every stage's feature map (input/4, /8, /16, /32, rounded up) must be divisible by
 * the partition size 7, i.e. a resolution of 224*k (torchvision also accepts the three sizes
 * below it, which round up to the same maps); see {@link #INPUT_RULE}. The relative position
 * tables depend only on the partition size, so any such resolution runs with one model.
 */
public final class MaxViTs {

    private MaxViTs() {
    }

    /** A variant: stem width, per-stage widths and layer counts, head dim, partition size, max stochastic depth. */
    record Variant(String name, int stemChannels, int[] channels, int[] layers, int headDim, int partitionSize,
            float stochasticDepth) {
    }

    private static final List<Variant> VARIANTS = List.of(
            new Variant("maxvit_t", 64, new int[] {64, 128, 256, 512}, new int[] {2, 2, 5, 2}, 32, 7, 0.2f));

    /** Partition size of every registered variant (torchvision's maxvit_t). */
    static final int PARTITION_SIZE = 7;

    /**
     * torchvision's check: the stage inputs {@code ceil(r/4), ceil(r/8), ceil(r/16), ceil(r/32)}
     * must all be divisible by the partition size 7.
     */
    public static final InputRule INPUT_RULE = (model, res) -> {
        long[] stages = stageSizes(res);
        for (long s : stages) {
            if (s % PARTITION_SIZE != 0) {
                throw new IllegalArgumentException(model + " needs every stage's feature map divisible by the partition size "
                        + PARTITION_SIZE + ": use a resolution that is a multiple of " + (32 * PARTITION_SIZE)
                        + " (224, 448, 672, ...), got " + res + " (stage maps " + Arrays.toString(stages) + ")");
            }
        }
    };

    /** Feature-map sides at the input of the four stages, as torchvision computes them (3x3/2 convs, padding 1). */
    static long[] stageSizes(int res) {
        long[] out = new long[4];
        long s = (res + 1) / 2;
        for (int i = 0; i < 4; i++) {
            s = (s + 1) / 2;
            out[i] = s;
        }
        return out;
    }

    public static List<ModelSpec> specs() {
        List<ModelSpec> out = new ArrayList<>();
        for (Variant v : VARIANTS) {
            out.add(new ModelSpec(v.name(), "MaxViT", CheckpointMode.TRANSFORMER_LAYERS, INPUT_RULE, o -> build(v, o)));
        }
        return out;
    }

    static ModelParts build(Variant v, BackboneOptions o) {
        INPUT_RULE.validate(v.name(), o.imageSize());
        List<Block> blocks = new ArrayList<>();
        blocks.add(new SequentialBlock()
                .add(Layers.convBnAct(v.stemChannels(), 3, 2, 1, Act.GELU, MaxVitLayers.batchNorm()))
                .add(Layers.conv(v.stemChannels(), 3, 1, 1, true)));
        int total = Arrays.stream(v.layers()).sum();
        int index = 0;
        int in = v.stemChannels();
        for (int stage = 0; stage < v.channels().length; stage++) {
            int out = v.channels()[stage];
            for (int i = 0; i < v.layers()[stage]; i++) {
                float dropPath = StochasticDepth.linearRamp(v.stochasticDepth(), index, total);
                blocks.add(MaxVitLayers.maxVitLayer(i == 0 ? in : out, out, i == 0 ? 2 : 1, v.headDim(), v.partitionSize(), dropPath));
                index++;
            }
            in = out;
        }
        blocks.add(new SequentialBlock()
                .add(Layers.globalAvgPoolFlatten())
                .add(LayerNorm.builder().build())
                .add(Layers.linear(in))
                .add(Layers.elementwise(NDArray::tanh, "tanh"))
                .add(Layers.linear(o.outputDim(), false)));
        return new ModelParts(blocks, total);
    }
}
