package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * torchvision's {@code LayerNorm2d} (ConvNeXt): a LayerNorm over the channel axis of an NCHW
 * tensor, computed channels-last (permute to NHWC, normalise the last axis, permute back), with
 * learnable per-channel weight and bias (C each, no buffers).
 */
public final class LayerNorm2d extends AbstractBlock {

    private final LayerNorm norm;

    public LayerNorm2d(float eps) {
        this.norm = addChildBlock("norm", channelsLast(eps));
    }

    /** A LayerNorm over the last axis of a channels-last (N, H, W, C) tensor. */
    public static LayerNorm channelsLast(float eps) {
        return LayerNorm.builder().axis(3).optEpsilon(eps).build();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow().transpose(0, 2, 3, 1);
        x = norm.forward(ps, new NDList(x), training, params).singletonOrThrow();
        return new NDList(x.transpose(0, 3, 1, 2));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        norm.initialize(manager, dataType, new Shape(s.get(0), s.get(2), s.get(3), s.get(1)));
    }
}
