package org.medfusion.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.medfusion.backbones.layers.Intermediates;
import org.medfusion.backbones.layers.Layers;
import org.medfusion.backbones.layers.RelativePositionBias;
import org.medfusion.backbones.layers.StochasticDepth;

/**
 * Swin Transformers (V1) Swin-T, Swin-S and Swin-B as torchvision defines them
 * ({@code torchvision.models.swin_transformer}): a 4x4 patch embedding (convolution with bias,
 * permute to channels-last, LayerNorm), four stages of {@code SwinTransformerBlock}s (pre-LN
 * shifted-window attention with a trainable relative position bias table, then a pre-LN MLP, each
 * with row-mode stochastic depth rising linearly over all blocks to 0.2 / 0.3 / 0.5) with
 * {@code PatchMerging} between stages, and a head (LayerNorm, average pool, Linear). Window 7,
 * shift 3 on every second block of a stage.
 *
 * <p>Window attention follows torchvision's {@code shifted_window_attention}: the feature map is
 * zero-padded to window multiples, the shift is set to 0 along an axis whose padded size the window
 * covers (so Swin's last stage at 224 px, 7x7, does not shift), the map is rolled, partitioned,
 * attended with the relative position bias and (when shifted) the -100 attention mask, reversed,
 * rolled back and un-padded. {@code relative_position_index} (int64 in torchvision, a buffer, not a
 * parameter) and the attention mask are Java-computed constants, cached once per device and type in
 * the parameters' manager, never DJL parameters.
 *
 * <p>Checkpointing (mode 2, {@link CheckpointMode#TRANSFORMER_LAYERS}): blocks are the patch
 * embedding, every Swin block, each of the three patch-merging layers (its own block), and the
 * head; Swin-T has 1 + 12 + 3 + 1 = 17 blocks. The default segment count is the number of Swin
 * blocks (sum of depths: 12 / 24 / 24).
 *
 * <p>Resolutions: every one torchvision accepts, that is at least one 4x4 patch (4 px). The patch
 * embedding drops the pixels beyond the last whole patch (a stride-4 convolution, floor), patch merging
 * pads odd maps to even (ceil), and window attention pads to window multiples and crops after, so at
 * 112 px the maps are 28, 14, 7 and 4 (padded to 7) and at 100 px 25 (padded to 28), 13 (to 14), 7, 4.
 * torchvision decides "no shift" by writing 0 into the module's own {@code shift_size} list the first
 * time a map is no larger than the window, so a torchvision module that ran at a small resolution
 * never shifts again; here the decision is taken on every call, which is the same at a fixed resolution.
 */
public final class SwinTransformers {

    private SwinTransformers() {
    }

    /** A variant: embedding width, blocks per stage, heads per stage, final stochastic depth. */
    record Variant(String name, int embedDim, int[] depths, int[] heads, float stochasticDepth) {
    }

    private static final List<Variant> VARIANTS = List.of(
            new Variant("swin_t", 96, new int[] {2, 2, 6, 2}, new int[] {3, 6, 12, 24}, 0.2f),
            new Variant("swin_s", 96, new int[] {2, 2, 18, 2}, new int[] {3, 6, 12, 24}, 0.3f),
            new Variant("swin_b", 128, new int[] {2, 2, 18, 2}, new int[] {4, 8, 16, 32}, 0.5f));

    private static final int PATCH = 4;
    private static final int WINDOW = 7;
    private static final float MLP_RATIO = 4f;
    private static final float LN_EPS = 1e-5f;

    public static List<ModelSpec> specs() {
        List<ModelSpec> out = new ArrayList<>();
        InputRule rule = InputRule.atLeast(PATCH, PATCH + "x" + PATCH + " patch embedding");
        for (Variant v : VARIANTS) {
            out.add(new ModelSpec(v.name(), "Swin", CheckpointMode.TRANSFORMER_LAYERS, rule, o -> build(v, o)));
        }
        return out;
    }

    static ModelParts build(Variant v, BackboneOptions o) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(new PatchEmbedding(v.embedDim()));
        int total = 0;
        for (int d : v.depths()) {
            total += d;
        }
        int id = 0;
        for (int stage = 0; stage < v.depths().length; stage++) {
            int dim = v.embedDim() << stage;
            for (int i = 0; i < v.depths()[stage]; i++) {
                float sd = StochasticDepth.linearRamp(v.stochasticDepth(), id, total);
                int shift = i % 2 == 0 ? 0 : WINDOW / 2;
                blocks.add(new SwinBlock(dim, v.heads()[stage], WINDOW, shift, sd));
                id++;
            }
            if (stage < v.depths().length - 1) {
                blocks.add(new PatchMerging(dim));
            }
        }
        int features = v.embedDim() << (v.depths().length - 1);
        blocks.add(new SequentialBlock()
                .add(VisionTransformers.layerNorm(4, LN_EPS))
                .add(Layers.lambda(x -> x.reshape(x.getShape().get(0), -1, x.getShape().get(3)).mean(new int[] {1}), "avgpool"))
                .add(Layers.linear(o.outputDim())));
        return new ModelParts(blocks, total);
    }

    /**
     * Zero-pads axes 1 (bottom) and 2 (right) of an (N, H, W, C) tensor by the given amounts. Its own temporaries are
     * closed; {@code x} is not (the caller's), and is returned as is when nothing is padded.
     */
    static NDArray padBottomRight(NDArray x, long padH, long padW) {
        NDArray out = x;
        if (padH > 0) {
            Shape s = out.getShape();
            NDArray z = out.getManager().zeros(new Shape(s.get(0), padH, s.get(2), s.get(3)), out.getDataType(), out.getDevice());
            NDArray padded = NDArrays.concat(new NDList(out, z), 1);
            z.close();
            out = Intermediates.next(out, padded, x);
        }
        if (padW > 0) {
            Shape t = out.getShape();
            NDArray z = out.getManager().zeros(new Shape(t.get(0), t.get(1), padW, t.get(3)), out.getDataType(), out.getDevice());
            NDArray padded = NDArrays.concat(new NDList(out, z), 2);
            z.close();
            out = Intermediates.next(out, padded, x);
        }
        return out;
    }

    /** {@code torch.roll(x, shift, axis)} for axis 1 or 2 of an (N, H, W, C) tensor. */
    static NDArray roll(NDArray x, long shift, int axis) {
        long n = x.getShape().get(axis);
        long s = ((shift % n) + n) % n;
        if (s == 0) {
            return x;
        }
        String head = axis == 1 ? ":, " + (n - s) + ":" : ":, :, " + (n - s) + ":";
        String tail = axis == 1 ? ":, :" + (n - s) : ":, :, :" + (n - s);
        NDArray first = x.get(head);
        NDArray second = x.get(tail);
        NDArray rolled = NDArrays.concat(new NDList(first, second), axis);
        first.close(); // views: closed, they would keep x's storage alive after the caller frees x
        second.close();
        return rolled;
    }

    /** Conv 4x4 stride 4 (with bias), permute to (N, H/4, W/4, C), LayerNorm. */
    static final class PatchEmbedding extends AbstractBlock {

        private final int dim;
        private final Conv2d conv;
        private final LayerNorm norm;

        PatchEmbedding(int dim) {
            this.dim = dim;
            this.conv = addChildBlock("conv", Layers.conv(dim, PATCH, PATCH, 0, 1, 1, true));
            this.norm = addChildBlock("norm", VisionTransformers.layerNorm(4, LN_EPS));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = conv.forward(ps, inputs, training, params).singletonOrThrow().transpose(0, 2, 3, 1);
            return norm.forward(ps, new NDList(x), training, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape s = inputShapes[0];
            return new Shape[] {new Shape(s.get(0), s.get(2) / PATCH, s.get(3) / PATCH, dim)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            conv.initialize(manager, dataType, inputShapes);
            norm.initialize(manager, dataType, getOutputShapes(inputShapes));
        }
    }

    /**
     * torchvision's {@code PatchMerging}: pad H and W to even, concatenate the four 2x2
     * neighbours (x0 = [0::2, 0::2], x1 = [1::2, 0::2], x2 = [0::2, 1::2], x3 = [1::2, 1::2]) to 4C,
     * LayerNorm, bias-free Linear to 2C. (N, H, W, C) to (N, ceil(H/2), ceil(W/2), 2C).
     */
    static final class PatchMerging extends AbstractBlock {

        private final int dim;
        private final LayerNorm norm;
        private final Linear reduction;

        PatchMerging(int dim) {
            this.dim = dim;
            this.norm = addChildBlock("norm", VisionTransformers.layerNorm(4, LN_EPS));
            this.reduction = addChildBlock("reduction", Layers.linear(2 * dim, false));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            x = padBottomRight(x, x.getShape().get(1) % 2, x.getShape().get(2) % 2);
            NDArray x0 = x.get(":, 0::2, 0::2, :");
            NDArray x1 = x.get(":, 1::2, 0::2, :");
            NDArray x2 = x.get(":, 0::2, 1::2, :");
            NDArray x3 = x.get(":, 1::2, 1::2, :");
            x = NDArrays.concat(new NDList(x0, x1, x2, x3), 3);
            NDList y = norm.forward(ps, new NDList(x), training, params);
            return reduction.forward(ps, y, training, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape s = inputShapes[0];
            return new Shape[] {new Shape(s.get(0), (s.get(1) + 1) / 2, (s.get(2) + 1) / 2, 2L * dim)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape s = inputShapes[0];
            Shape merged = new Shape(s.get(0), (s.get(1) + 1) / 2, (s.get(2) + 1) / 2, 4L * dim);
            norm.initialize(manager, dataType, merged);
            reduction.initialize(manager, dataType, merged);
        }
    }

    /**
     * torchvision's {@code ShiftedWindowAttention} (V1): {@code qkv} Linear (3C, bias),
     * {@code proj} Linear (C, bias), a trainable {@code relative_position_bias_table}
     * ((2w-1)^2, heads; truncated normal, std 0.02) and the constant relative position index.
     * (N, H, W, C) to (N, H, W, C). torchvision's attention and projection dropout are 0.
     */
    static final class WindowAttention extends AbstractBlock {

        private final int dim;
        private final int heads;
        private final int window;
        private final int shift;
        private final Linear qkv;
        private final Linear proj;
        private final RelativePositionBias bias;
        private final Map<String, NDArray> constants = new ConcurrentHashMap<>();

        WindowAttention(int dim, int heads, int window, int shift) {
            this.dim = dim;
            this.heads = heads;
            this.window = window;
            this.shift = shift;
            this.qkv = addChildBlock("qkv", Layers.linear(3 * dim));
            this.proj = addChildBlock("proj", Layers.linear(dim));
            this.bias = new RelativePositionBias(window, heads);
            addParameter(bias.table());
        }

        /**
         * torchvision's shifted-window attention mask: (windows, N, N) with -100 between tokens of
         * different regions of the rolled, padded map and 0 within one region.
         */
        static float[] attentionMask(int padH, int padW, int window, int shiftH, int shiftW) {
            int[][] region = new int[padH][padW];
            int[] hEdges = {0, padH - window, padH - shiftH, padH};
            int[] wEdges = {0, padW - window, padW - shiftW, padW};
            int count = 0;
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    for (int r = hEdges[a]; r < hEdges[a + 1]; r++) {
                        for (int c = wEdges[b]; c < wEdges[b + 1]; c++) {
                            region[r][c] = count;
                        }
                    }
                    count++;
                }
            }
            int nh = padH / window;
            int nw = padW / window;
            int n = window * window;
            float[] mask = new float[nh * nw * n * n];
            for (int wh = 0; wh < nh; wh++) {
                for (int ww = 0; ww < nw; ww++) {
                    int base = (wh * nw + ww) * n * n;
                    for (int i = 0; i < n; i++) {
                        int ri = region[wh * window + i / window][ww * window + i % window];
                        for (int j = 0; j < n; j++) {
                            int rj = region[wh * window + j / window][ww * window + j % window];
                            mask[base + i * n + j] = ri == rj ? 0f : -100f;
                        }
                    }
                }
            }
            return mask;
        }

        /**
         * A constant made once in the (long-lived) manager of {@code owner}, moved to x's device
         * (and, if floating point, x's type) and cached: read-only second operand of later ops.
         */
        private NDArray constant(String key, NDArray x, java.util.function.Function<NDManager, NDArray> make) {
            String k = key + "@" + x.getDevice() + "/" + x.getDataType();
            return constants.computeIfAbsent(k, unused -> {
                NDArray c = make.apply(bias.table().getArray().getManager());
                NDArray placed = c.toDevice(x.getDevice(), false);
                if (placed != c) {
                    c.close();
                }
                if (placed.getDataType().isFloating() && placed.getDataType() != x.getDataType()) {
                    NDArray typed = placed.toType(x.getDataType(), false);
                    placed.close();
                    placed = typed;
                }
                return placed;
            });
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            // every intermediate is closed at its last use (Intermediates): the cached mask and the input never are
            NDArray input = inputs.singletonOrThrow();
            Shape s = input.getShape();
            long b = s.get(0);
            int h = (int) s.get(1);
            int w = (int) s.get(2);
            int padB = (window - h % window) % window;
            int padR = (window - w % window) % window;
            NDArray x = padBottomRight(input, padB, padR);
            int padH = h + padB;
            int padW = w + padR;
            // no shift along an axis the window covers (torchvision sets shift_size to 0 there)
            int shiftH = window >= padH ? 0 : shift;
            int shiftW = window >= padW ? 0 : shift;
            boolean shifted = shiftH + shiftW > 0;
            if (shifted) {
                x = Intermediates.next(x, roll(x, -shiftH, 1), input);
                x = Intermediates.next(x, roll(x, -shiftW, 2), input);
            }
            int nh = padH / window;
            int nw = padW / window;
            int windows = nh * nw;
            int n = window * window;
            long headDim = dim / heads;
            x = Intermediates.next(x, x.reshape(b, nh, window, nw, window, dim), input);
            x = Intermediates.next(x, x.transpose(0, 1, 3, 2, 4, 5), input);
            x = Intermediates.next(x, x.reshape(b * windows, n, dim), input);

            NDArray qkvOut = qkv.forward(ps, new NDList(x), training, params).singletonOrThrow();
            NDArray positionBias = bias.bias(ps, x, training);
            NDArray mask = shifted ? constant("mask" + padH + "x" + padW + "s" + shiftH + "," + shiftW, x,
                    m -> m.create(attentionMask(padH, padW, window, shiftH, shiftW), new Shape(1, windows, 1, n, n))) : null;
            Intermediates.release(x, qkvOut, input);
            qkvOut = Intermediates.next(qkvOut, qkvOut.reshape(b * windows, n, 3, heads, headDim));
            qkvOut = Intermediates.next(qkvOut, qkvOut.transpose(2, 0, 3, 1, 4));
            NDArray q0 = qkvOut.get(0);
            NDArray k = qkvOut.get(1);
            NDArray v = qkvOut.get(2);
            qkvOut.close();
            NDArray scale = Layers.scalar(q0, (float) (1.0 / Math.sqrt(headDim)));
            NDArray q = Intermediates.next(q0, q0.mul(scale));
            scale.close();
            NDArray kT = Intermediates.next(k, k.swapAxes(-2, -1));
            NDArray attn = q.matMul(kT);
            q.close();
            kT.close();

            attn = Intermediates.next(attn, attn.add(positionBias));
            positionBias.close();
            if (shifted) {
                attn = Intermediates.next(attn, attn.reshape(b, windows, heads, n, n));
                attn = Intermediates.next(attn, attn.add(mask));
                attn = Intermediates.next(attn, attn.reshape(b * windows, heads, n, n));
            }
            attn = Intermediates.next(attn, attn.softmax(-1));
            NDArray y = attn.matMul(v);
            attn.close();
            v.close();
            y = Intermediates.next(y, y.transpose(0, 2, 1, 3));
            y = Intermediates.next(y, y.reshape(b * windows, n, dim));
            y = Intermediates.next(y, proj.forward(ps, new NDList(y), training, params).singletonOrThrow());

            y = Intermediates.next(y, y.reshape(b, nh, nw, window, window, dim));
            y = Intermediates.next(y, y.transpose(0, 1, 3, 2, 4, 5));
            y = Intermediates.next(y, y.reshape(b, padH, padW, dim));
            if (shifted) {
                y = Intermediates.next(y, roll(y, shiftH, 1));
                y = Intermediates.next(y, roll(y, shiftW, 2));
            }
            if (padB > 0 || padR > 0) {
                y = Intermediates.next(y, y.get(":, :" + h + ", :" + w + ", :"));
            }
            return new NDList(y);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape s = inputShapes[0];
            Shape tokens = new Shape(s.get(0), (long) window * window, dim);
            qkv.initialize(manager, dataType, tokens);
            proj.initialize(manager, dataType, tokens);
        }
    }

    /**
     * torchvision's {@code SwinTransformerBlock}:
     * {@code x = x + sd(attn(norm1(x)))}, {@code x = x + sd(mlp(norm2(x)))} with row-mode
     * stochastic depth. (N, H, W, C) to (N, H, W, C).
     */
    static final class SwinBlock extends AbstractBlock {

        private final float stochasticDepth;
        private final LayerNorm norm1;
        private final WindowAttention attn;
        private final LayerNorm norm2;
        private final SequentialBlock mlp;

        SwinBlock(int dim, int heads, int window, int shift, float stochasticDepth) {
            this.stochasticDepth = stochasticDepth;
            this.norm1 = addChildBlock("norm1", VisionTransformers.layerNorm(4, LN_EPS));
            this.attn = addChildBlock("attn", new WindowAttention(dim, heads, window, shift));
            this.norm2 = addChildBlock("norm2", VisionTransformers.layerNorm(4, LN_EPS));
            this.mlp = addChildBlock("mlp", VisionTransformers.mlp(dim, (int) (dim * MLP_RATIO), 0f));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray input = inputs.singletonOrThrow();
            NDArray n1 = norm1.forward(ps, inputs, training, params).singletonOrThrow();
            NDArray a = Intermediates.next(n1, attn.forward(ps, new NDList(n1), training, params).singletonOrThrow());
            NDArray ad = Intermediates.next(a, StochasticDepth.apply(a, stochasticDepth, training));
            NDArray x = Intermediates.next(ad, ad.add(input));
            NDArray n2 = norm2.forward(ps, new NDList(x), training, params).singletonOrThrow();
            NDArray m = Intermediates.next(n2, mlp.forward(ps, new NDList(n2), training, params).singletonOrThrow());
            NDArray md = Intermediates.next(m, StochasticDepth.apply(m, stochasticDepth, training));
            NDArray out = x.add(md);
            md.close();
            x.close();
            return new NDList(out);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            norm1.initialize(manager, dataType, inputShapes);
            attn.initialize(manager, dataType, inputShapes);
            norm2.initialize(manager, dataType, inputShapes);
            mlp.initialize(manager, dataType, inputShapes);
        }
    }
}
