package org.medfusion.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.medfusion.backbones.layers.Intermediates;
import org.medfusion.backbones.layers.Layers;
import org.medfusion.backbones.layers.ReleasingSequentialBlock;
import org.medfusion.backbones.layers.Layers.Act;

/**
 * Vision Transformers ViT-B/16, B/32, L/16 and L/32 as torchvision defines them
 * ({@code torchvision.models.vision_transformer}): a patchifying convolution ({@code conv_proj},
 * kernel = stride = patch size), a learned class token prepended to the patch tokens, a learned
 * position embedding, dropout, pre-LN encoder layers (LayerNorm eps 1e-6, multi-head self
 * attention with {@code in_proj_weight}/{@code in_proj_bias} and {@code out_proj} as
 * {@code nn.MultiheadAttention} has them, dropout, residual; LayerNorm, MLP Linear-GELU-Dropout-
 * Linear-Dropout, residual), a final LayerNorm and a Linear head on the class token.
 *
 * <p>The position embedding is sized for {@link BackboneOptions#imageSize()}: it has
 * {@code (imageSize / patch)^2 + 1} positions (197 for B/16 at 224 px, the count torchvision's
 * parameter totals use), so a backbone runs only at the resolution it was built for, which must be a
 * multiple of the patch size (the {@link InputRule}). torchvision's dropout rates are 0, so the
 * dropout layers are identities here (they are applied, with libtorch's generator, when a rate is
 * positive).
 *
 * <p>Checkpointing (mode 2, {@link CheckpointMode#TRANSFORMER_LAYERS}): blocks are the embedding
 * (patchify, class token, position embedding, dropout), every encoder layer, and the head (final
 * LayerNorm, class token, Linear); ViT-B has 1 + 12 + 1 = 14 blocks, ViT-L 1 + 24 + 1 = 26. The
 * default segment count is the number of encoder layers (12 / 24).
 */
public final class VisionTransformers {

    private VisionTransformers() {
    }

    /** A variant: patch size, encoder layers, attention heads, hidden width, MLP width. */
    record Variant(String name, int patch, int layers, int heads, int hidden, int mlpDim) {
    }

    private static final List<Variant> VARIANTS = List.of(
            new Variant("vit_b_16", 16, 12, 12, 768, 3072),
            new Variant("vit_b_32", 32, 12, 12, 768, 3072),
            new Variant("vit_l_16", 16, 24, 16, 1024, 4096),
            new Variant("vit_l_32", 32, 24, 16, 1024, 4096));

    /** torchvision's defaults for every ViT builder. */
    private static final float DROPOUT = 0f;
    private static final float ATTENTION_DROPOUT = 0f;
    private static final float LN_EPS = 1e-6f;

    public static List<ModelSpec> specs() {
        List<ModelSpec> out = new ArrayList<>();
        for (Variant v : VARIANTS) {
            InputRule rule = InputRule.multipleOf(v.patch(), v.patch(), v.patch() + "x" + v.patch() + " patches");
            out.add(new ModelSpec(v.name(), "ViT", CheckpointMode.TRANSFORMER_LAYERS, rule, o -> build(v, o)));
        }
        return out;
    }

    static ModelParts build(Variant v, BackboneOptions o) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(new Embedding(v.name(), v.patch(), v.hidden(), o.imageSize(), DROPOUT));
        for (int i = 0; i < v.layers(); i++) {
            blocks.add(new EncoderLayer(v.hidden(), v.heads(), v.mlpDim(), DROPOUT, ATTENTION_DROPOUT));
        }
        blocks.add(new Head(v.hidden(), o.outputDim()));
        return new ModelParts(blocks, v.layers());
    }

    /** A LayerNorm over the last axis of a tensor of rank {@code rank}. */
    static LayerNorm layerNorm(int rank, float eps) {
        return LayerNorm.builder().axis(rank - 1).optEpsilon(eps).build();
    }

    /**
     * torchvision's {@code MLP(in, [hidden, in], GELU, dropout)}: Linear, GELU, Dropout, Linear, Dropout, each
     * intermediate freed once the next layer consumed it ({@link ReleasingSequentialBlock}).
     */
    static SequentialBlock mlp(int dim, int hidden, float dropout) {
        SequentialBlock b = new ReleasingSequentialBlock().add(Layers.linear(hidden)).add(Act.GELU.block());
        if (dropout > 0f) {
            b.add(Dropout.builder().optRate(dropout).build());
        }
        b.add(Layers.linear(dim));
        if (dropout > 0f) {
            b.add(Dropout.builder().optRate(dropout).build());
        }
        return b;
    }

    /** Dropout with libtorch's generator; identity when {@code p} is 0 or not training. */
    static NDArray dropout(NDArray x, float p, boolean training) {
        return training && p > 0f ? Dropout.dropout(x, p, true).singletonOrThrow() : x;
    }

    /**
     * Patch embedding: {@code conv_proj}, flatten to (N, S, C), class token prepended, position
     * embedding added, dropout. (N, 3, H, W) to (N, (H/p)(W/p) + 1, C).
     */
    static final class Embedding extends AbstractBlock {

        private final String model;
        private final int patch;
        private final int hidden;
        private final int imageSize;
        private final float dropout;
        private final Conv2d convProj;
        private final Parameter classToken;
        private final Parameter posEmbedding;

        Embedding(String model, int patch, int hidden, int imageSize, float dropout) {
            this.model = model;
            this.patch = patch;
            this.hidden = hidden;
            this.imageSize = imageSize;
            this.dropout = dropout;
            int grid = imageSize / patch;
            this.convProj = addChildBlock("conv_proj", Layers.conv(hidden, patch, patch, 0, 1, 1, true));
            this.classToken = addParameter(Parameter.builder().setName("class_token").setType(Parameter.Type.OTHER)
                    .optShape(new Shape(1, 1, hidden)).optInitializer(Initializer.ZEROS).build());
            this.posEmbedding = addParameter(Parameter.builder().setName("pos_embedding").setType(Parameter.Type.OTHER)
                    .optShape(new Shape(1, (long) grid * grid + 1, hidden)).optInitializer(new NormalInitializer(0.02f))
                    .build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            Shape s = x.getShape();
            if (s.get(2) != imageSize || s.get(3) != imageSize) {
                throw new IllegalArgumentException(model + " was built for " + imageSize + " px (its position embedding has "
                        + posEmbedding.getShape().get(1) + " positions), got " + s.get(2) + "x" + s.get(3));
            }
            long n = s.get(0);
            x = convProj.forward(ps, inputs, training, params).singletonOrThrow();
            x = x.reshape(n, hidden, -1).transpose(0, 2, 1);
            NDArray token = ps.getValue(classToken, x.getDevice(), training);
            NDArray cls = x.getManager().zeros(new Shape(n, 1, hidden), x.getDataType(), x.getDevice()).add(token);
            x = NDArrays.concat(new NDList(cls, x), 1);
            x = x.add(ps.getValue(posEmbedding, x.getDevice(), training));
            return new NDList(dropout(x, dropout, training));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape s = inputShapes[0];
            long tokens = (s.get(2) / patch) * (s.get(3) / patch) + 1;
            return new Shape[] {new Shape(s.get(0), tokens, hidden)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            convProj.initialize(manager, dataType, inputShapes);
        }
    }

    /**
     * {@code nn.MultiheadAttention(dim, heads, batch_first=True)} used as self attention without
     * a mask: packed {@code in_proj_weight} (3C, C) and {@code in_proj_bias} (3C), scaled dot
     * product per head, softmax, attention dropout, {@code out_proj} Linear. (N, S, C) to (N, S, C).
     */
    static final class SelfAttention extends AbstractBlock {

        private final int dim;
        private final int heads;
        private final float attentionDropout;
        private final Parameter inProjWeight;
        private final Parameter inProjBias;
        private final Linear outProj;

        SelfAttention(int dim, int heads, float attentionDropout) {
            this.dim = dim;
            this.heads = heads;
            this.attentionDropout = attentionDropout;
            this.inProjWeight = addParameter(Parameter.builder().setName("in_proj_weight").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(3L * dim, dim)).build());
            this.inProjBias = addParameter(Parameter.builder().setName("in_proj_bias").setType(Parameter.Type.BIAS)
                    .optShape(new Shape(3L * dim)).build());
            this.outProj = addChildBlock("out_proj", Layers.linear(dim));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            long n = x.getShape().get(0);
            long len = x.getShape().get(1);
            long headDim = dim / heads;
            NDArray w = ps.getValue(inProjWeight, x.getDevice(), training);
            NDArray b = ps.getValue(inProjBias, x.getDevice(), training);
            // every intermediate is closed at its last use (Intermediates), as torch's reference counting frees it: kept to
            // the block's end, the raw scores and the packed q/k/v (each about three of the block's outputs at 197 tokens)
            // sat above torch's peak in every ViT cell
            NDArray qkv = Linear.linear(x, w, b).singletonOrThrow();
            qkv = Intermediates.next(qkv, qkv.reshape(n, len, 3, heads, headDim));
            qkv = Intermediates.next(qkv, qkv.transpose(2, 0, 3, 1, 4));
            NDArray q0 = qkv.get(0);
            NDArray k = qkv.get(1);
            NDArray v = qkv.get(2);
            qkv.close();
            NDArray scale = Layers.scalar(q0, (float) (1.0 / Math.sqrt(headDim)));
            NDArray q = Intermediates.next(q0, q0.mul(scale));
            scale.close();
            NDArray kT = Intermediates.next(k, k.swapAxes(-2, -1));
            NDArray attn = q.matMul(kT);
            q.close();
            kT.close();
            attn = Intermediates.next(attn, attn.softmax(-1));
            attn = Intermediates.next(attn, dropout(attn, attentionDropout, training));
            NDArray y = attn.matMul(v);
            attn.close();
            v.close();
            y = Intermediates.next(y, y.transpose(0, 2, 1, 3));
            y = Intermediates.next(y, y.reshape(n, len, dim));
            return new NDList(Intermediates.next(y, outProj.forward(ps, new NDList(y), training, params).singletonOrThrow()));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            outProj.initialize(manager, dataType, inputShapes);
        }
    }

    /**
     * torchvision's {@code EncoderBlock}: {@code x = x + dropout(attn(ln_1(x)))}, then
     * {@code x + mlp(ln_2(x))}. (N, S, C) to (N, S, C).
     */
    static final class EncoderLayer extends AbstractBlock {

        private final float dropout;
        private final LayerNorm ln1;
        private final SelfAttention attention;
        private final LayerNorm ln2;
        private final SequentialBlock mlp;

        EncoderLayer(int hidden, int heads, int mlpDim, float dropout, float attentionDropout) {
            this.dropout = dropout;
            this.ln1 = addChildBlock("ln_1", layerNorm(3, LN_EPS));
            this.attention = addChildBlock("self_attention", new SelfAttention(hidden, heads, attentionDropout));
            this.ln2 = addChildBlock("ln_2", layerNorm(3, LN_EPS));
            this.mlp = addChildBlock("mlp", mlp(hidden, mlpDim, dropout));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray input = inputs.singletonOrThrow();
            NDArray n1 = ln1.forward(ps, inputs, training, params).singletonOrThrow();
            NDArray a = Intermediates.next(n1, attention.forward(ps, new NDList(n1), training, params).singletonOrThrow());
            NDArray ad = Intermediates.next(a, dropout(a, dropout, training));
            NDArray x = Intermediates.next(ad, ad.add(input));
            NDArray n2 = ln2.forward(ps, new NDList(x), training, params).singletonOrThrow();
            NDArray m = Intermediates.next(n2, mlp.forward(ps, new NDList(n2), training, params).singletonOrThrow());
            NDArray out = x.add(m);
            m.close();
            x.close();
            return new NDList(out);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            ln1.initialize(manager, dataType, inputShapes);
            attention.initialize(manager, dataType, inputShapes);
            ln2.initialize(manager, dataType, inputShapes);
            mlp.initialize(manager, dataType, inputShapes);
        }
    }

    /**
     * The encoder's final LayerNorm and the classifier on the class token: (N, S, C) to
     * (N, outputDim). LayerNorm acts per token, so normalising only the class token gives
     * torchvision's output.
     */
    static final class Head extends AbstractBlock {

        private final LayerNorm ln;
        private final Linear head;
        private final int outputs;

        Head(int hidden, int outputs) {
            this.outputs = outputs;
            this.ln = addChildBlock("ln", layerNorm(2, LN_EPS));
            this.head = addChildBlock("head", Layers.linear(outputs));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray cls = inputs.singletonOrThrow().get(":, 0, :");
            NDList y = ln.forward(ps, new NDList(cls), training, params);
            return head.forward(ps, y, training, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), outputs)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape token = new Shape(inputShapes[0].get(0), inputShapes[0].get(2));
            ln.initialize(manager, dataType, token);
            head.initialize(manager, dataType, token);
        }
    }
}
