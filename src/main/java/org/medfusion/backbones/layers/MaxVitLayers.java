package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.function.Supplier;

/**
 * The layers of torchvision's MaxViT ({@code torchvision/models/maxvit.py}): the MBConv block with
 * squeeze-excitation, the window/grid {@link PartitionAttention} layer and its
 * {@link RelativePositionAttention}, composed into a MaxViT layer by {@link #maxVitLayer}.
 *
 * <p>Every op keeps the activation as its first operand (or creates arrays in the activation's
 * manager), so nothing a forward computes lands in the parameters' manager.
 */
public final class MaxVitLayers {

    private MaxVitLayers() {
    }

    /** torchvision's MaxViT BatchNorm: {@code BatchNorm2d(eps=1e-3, momentum=0.99)} (PyTorch convention). */
    public static BatchNorm batchNorm() {
        return Layers.batchNorm(1e-3f, 0.99f);
    }

    /**
     * One MaxViT layer: MBConv, then window (block) attention, then grid attention, all with the
     * same stochastic depth probability.
     *
     * @param in input channels
     * @param out output channels (also the attention width)
     * @param stride 2 for the first layer of a stage (on the MBConv's depthwise conv), else 1
     * @param headDim channels per attention head
     * @param partitionSize window side (7): attention runs over partitionSize^2 tokens
     * @param dropPath stochastic depth probability of this layer
     */
    public static SequentialBlock maxVitLayer(int in, int out, int stride, int headDim, int partitionSize, float dropPath) {
        return new SequentialBlock()
                .add(mbConv(in, out, stride, 4f, 0.25f, dropPath))
                .add(new PartitionAttention(out, headDim, partitionSize, false, 4, dropPath))
                .add(new PartitionAttention(out, headDim, partitionSize, true, 4, dropPath));
    }

    /**
     * torchvision's MBConv: {@code proj(x) + stochasticDepth(layers(x))}, where layers = pre-norm BN,
     * 1x1 expand conv+BN+GELU, depthwise 3x3 conv+BN+GELU (with the stride), squeeze-excitation
     * (SiLU, width out*squeezeRatio), 1x1 projection conv with bias; proj = identity, or
     * [AvgPool 3x3/2 when strided] + 1x1 conv with bias when the stride or width changes.
     */
    public static Residual mbConv(int in, int out, int stride, float expansionRatio, float squeezeRatio, float dropPath) {
        int mid = (int) (out * expansionRatio);
        int sqz = (int) (out * squeezeRatio);
        Block main = new ReleasingSequentialBlock()
                .add(batchNorm())
                .add(Layers.convBnAct(mid, 1, 1, 1, Layers.Act.GELU, batchNorm()))
                .add(Layers.convBnAct(mid, 3, stride, mid, Layers.Act.GELU, batchNorm()))
                .add(new SqueezeExcitation(mid, sqz, Layers.Act.SILU, Layers.Act.SIGMOID))
                .add(Layers.conv(out, 1, 1, 1, true));
        Block shortcut = null;
        if (stride != 1 || in != out) {
            SequentialBlock proj = new SequentialBlock();
            if (stride == 2) {
                proj.add(Pool.avgPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false, true));
            }
            shortcut = proj.add(Layers.conv(out, 1, 1, 1, true));
        }
        return new Residual(main, shortcut, Layers.Act.NONE, dropPath);
    }

    /**
     * torchvision's {@code PartitionAttentionLayer} on a (N, C, H, W) map: partitions it into
     * non-overlapping windows of partitionSize x partitionSize pixels ("window"/block attention),
     * or into a partitionSize x partitionSize grid of dilated tokens ("grid" attention: windows of
     * H/partitionSize pixels, axes swapped), then applies pre-norm transformer sublayers on each
     * group of partitionSize^2 tokens: {@code x + sd(attn(LN(x)))}, {@code x + sd(MLP(LN(x)))}
     * (MLP = Linear, GELU, Linear; dropouts are 0 in torchvision's maxvit_t and omitted), and
     * departitions back. H and W must be multiples of partitionSize. Unlike torchvision, which fixes
     * the grid size at construction, the partition counts are taken from the input.
     */
    public static final class PartitionAttention extends AbstractBlock {

        private final int partitionSize;
        private final boolean grid;
        private final float dropPath;
        private final LayerNorm attnNorm;
        private final RelativePositionAttention attention;
        private final LayerNorm mlpNorm;
        private final Linear fc1;
        private final Linear fc2;

        public PartitionAttention(int channels, int headDim, int partitionSize, boolean grid, int mlpRatio, float dropPath) {
            this.partitionSize = partitionSize;
            this.grid = grid;
            this.dropPath = dropPath;
            Supplier<LayerNorm> ln = () -> LayerNorm.builder().axis(3).build();
            this.attnNorm = addChildBlock("attn_norm", ln.get());
            this.attention = addChildBlock("attention", new RelativePositionAttention(channels, headDim, partitionSize));
            this.mlpNorm = addChildBlock("mlp_norm", ln.get());
            this.fc1 = addChildBlock("mlp_fc1", Layers.linear(channels * mlpRatio));
            this.fc2 = addChildBlock("mlp_fc2", Layers.linear(channels));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            Shape s = x.getShape();
            long h = s.get(2);
            long w = s.get(3);
            if (h % partitionSize != 0 || w % partitionSize != 0) {
                throw new IllegalArgumentException("MaxViT " + (grid ? "grid" : "window") + " attention needs a feature map divisible by the partition size "
                        + partitionSize + ", got " + h + "x" + w);
            }
            long p = grid ? h / partitionSize : partitionSize;
            // every intermediate is closed at its last use (Intermediates), as in Swin's blocks
            NDArray t = partition(x, p);
            if (grid) {
                t = Intermediates.next(t, t.swapAxes(1, 2), x);
            }
            NDArray a = attnNorm.forward(ps, new NDList(t), training, params).singletonOrThrow();
            a = Intermediates.next(a, attention.forward(ps, new NDList(a), training, params).singletonOrThrow());
            a = Intermediates.next(a, StochasticDepth.apply(a, dropPath, training));
            NDArray t1 = t.add(a);
            a.close();
            Intermediates.release(t, t1, x);
            NDArray m = mlpNorm.forward(ps, new NDList(t1), training, params).singletonOrThrow();
            m = Intermediates.next(m, fc1.forward(ps, new NDList(m), training, params).singletonOrThrow());
            m = Intermediates.next(m, Activation.gelu(m));
            m = Intermediates.next(m, fc2.forward(ps, new NDList(m), training, params).singletonOrThrow());
            m = Intermediates.next(m, StochasticDepth.apply(m, dropPath, training));
            NDArray t2 = t1.add(m);
            m.close();
            t1.close();
            if (grid) {
                t2 = Intermediates.next(t2, t2.swapAxes(1, 2));
            }
            return new NDList(Intermediates.next(t2, departition(t2, p, h / p, w / p)));
        }

        /** (B, C, H, W) to (B, H/p * W/p, p*p, C): windows of p x p pixels. */
        static NDArray partition(NDArray x, long p) {
            Shape s = x.getShape();
            long b = s.get(0);
            long c = s.get(1);
            long h = s.get(2);
            long w = s.get(3);
            NDArray six = x.reshape(b, c, h / p, p, w / p, p);
            NDArray moved = Intermediates.next(six, six.transpose(0, 2, 4, 3, 5, 1));
            return Intermediates.next(moved, moved.reshape(b, (h / p) * (w / p), p * p, c));
        }

        /** Inverse of {@link #partition}: (B, hp*wp, p*p, C) to (B, C, hp*p, wp*p). */
        static NDArray departition(NDArray x, long p, long hp, long wp) {
            Shape s = x.getShape();
            long b = s.get(0);
            long c = s.get(3);
            NDArray six = x.reshape(b, hp, wp, p, p, c);
            NDArray moved = Intermediates.next(six, six.transpose(0, 5, 1, 3, 2, 4));
            return Intermediates.next(moved, moved.reshape(b, c, hp * p, wp * p));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape in = inputShapes[0];
            long tokens = (long) partitionSize * partitionSize;
            long groups = Math.max(1, in.get(2) * in.get(3) / tokens);
            Shape t = new Shape(in.get(0), groups, tokens, in.get(1));
            attnNorm.initialize(manager, dataType, t);
            attention.initialize(manager, dataType, t);
            mlpNorm.initialize(manager, dataType, t);
            fc1.initialize(manager, dataType, t);
            fc2.initialize(manager, dataType, fc1.getOutputShapes(new Shape[] {t})[0]);
        }
    }

    /**
     * torchvision's {@code RelativePositionalMultiHeadAttention} on (B, G, P, C) token groups
     * (P = partitionSize^2): qkv projection, per-head softmax(q . (k * C^-0.5) + bias) v (the scale
     * uses the full width C, as torchvision does), merge projection, with the
     * {@link RelativePositionBias} shared with Swin.
     */
    public static final class RelativePositionAttention extends AbstractBlock {

        private final int heads;
        private final int headDim;
        private final int seqLen;
        private final float scale;
        private final Linear toQkv;
        private final Linear merge;
        private final RelativePositionBias bias;

        public RelativePositionAttention(int channels, int headDim, int partitionSize) {
            if (channels % headDim != 0) {
                throw new IllegalArgumentException("channels " + channels + " must be divisible by the head dim " + headDim);
            }
            this.heads = channels / headDim;
            this.headDim = headDim;
            this.seqLen = partitionSize * partitionSize;
            this.scale = (float) Math.pow(channels, -0.5);
            this.toQkv = addChildBlock("to_qkv", Layers.linear(3 * channels));
            this.merge = addChildBlock("merge", Layers.linear(channels));
            this.bias = new RelativePositionBias(partitionSize, heads);
            addParameter(bias.table());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            Shape s = x.getShape();
            long b = s.get(0);
            long g = s.get(1);
            long p = s.get(2);
            long c = s.get(3);
            if (p != seqLen) {
                throw new IllegalArgumentException("relative position attention expects " + seqLen + " tokens per group, got " + p);
            }
            NDArray qkvOut = toQkv.forward(ps, inputs, training, params).singletonOrThrow();
            NDList qkv = qkvOut.split(3, 3);
            qkvOut.close();
            NDArray q = heads(qkv.get(0), b, g, p);
            // k * scale with a natively allocated scalar: mul(Number) wraps a Java direct buffer
            // that autograd would keep for the backward pass after DJL recycled it
            NDArray k = heads(qkv.get(1), b, g, p);
            NDArray scaleArray = x.getManager().full(new Shape(), scale, x.getDataType());
            NDArray scaleHere = Intermediates.next(scaleArray, scaleArray.toDevice(x.getDevice(), false));
            k = Intermediates.next(k, k.mul(scaleHere));
            scaleHere.close();
            NDArray v = heads(qkv.get(2), b, g, p);
            NDArray kT = Intermediates.next(k, k.swapAxes(3, 4));
            NDArray attn = q.matMul(kT);
            q.close();
            kT.close();
            NDArray positionBias = bias.bias(ps, x, training);
            attn = Intermediates.next(attn, attn.add(positionBias));
            positionBias.close();
            attn = Intermediates.next(attn, attn.softmax(-1));
            NDArray out = attn.matMul(v);
            attn.close();
            v.close();
            out = Intermediates.next(out, out.transpose(0, 1, 3, 2, 4));
            out = Intermediates.next(out, out.reshape(b, g, p, c));
            NDList merged = merge.forward(ps, new NDList(out), training, params);
            out.close();
            return merged;
        }

        /** One of q, k, v from its slice of the projection: (B, G, P, C) to (B, G, heads, P, headDim); the slice is closed. */
        private NDArray heads(NDArray slice, long b, long g, long p) {
            NDArray split = Intermediates.next(slice, slice.reshape(b, g, p, heads, headDim));
            return Intermediates.next(split, split.transpose(0, 1, 3, 2, 4));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            toQkv.initialize(manager, dataType, inputShapes[0]);
            merge.initialize(manager, dataType, inputShapes[0]);
        }
    }
}
