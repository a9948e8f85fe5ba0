package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * torchvision's ConvNeXt {@code CNBlock}: depthwise 7x7 conv (bias), permute to channels-last,
 * LayerNorm (eps 1e-6), Linear to 4x width, exact GELU, Linear back, permute to NCHW, multiply by a
 * learnable per-channel layer scale (shape (C, 1, 1), initialised to {@code layerScale}),
 * stochastic depth ("row" mode) and the identity shortcut.
 */
public final class ConvNeXtBlock extends AbstractBlock {

    private final Conv2d dwconv;
    private final LayerNorm norm;
    private final Linear pwconv1;
    private final Linear pwconv2;
    private final Parameter layerScale;
    private final float dropPathProb;

    public ConvNeXtBlock(int dim, float layerScale, float dropPathProb) {
        this.dwconv = addChildBlock("dwconv", Layers.conv(dim, 7, 1, 3, 1, dim, true));
        this.norm = addChildBlock("norm", LayerNorm2d.channelsLast(1e-6f));
        this.pwconv1 = addChildBlock("pwconv1", Layers.linear(4 * dim));
        this.pwconv2 = addChildBlock("pwconv2", Layers.linear(dim));
        this.layerScale = addParameter(Parameter.builder()
                .setName("layerScale")
                .setType(Parameter.Type.OTHER)
                .optInitializer(new ConstantInitializer(layerScale))
                .optShape(new Shape(dim, 1, 1))
                .build());
        this.dropPathProb = dropPathProb;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = dwconv.forward(ps, inputs, training, params).singletonOrThrow();
        y = y.transpose(0, 2, 3, 1);
        y = norm.forward(ps, new NDList(y), training, params).singletonOrThrow();
        y = pwconv1.forward(ps, new NDList(y), training, params).singletonOrThrow();
        y = Activation.gelu(y);
        y = pwconv2.forward(ps, new NDList(y), training, params).singletonOrThrow();
        y = y.transpose(0, 3, 1, 2);
        y = y.mul(ps.getValue(layerScale, x.getDevice(), training));
        y = StochasticDepth.apply(y, dropPathProb, training);
        return new NDList(y.add(x));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        dwconv.initialize(manager, dataType, s);
        Shape last = new Shape(s.get(0), s.get(2), s.get(3), s.get(1));
        norm.initialize(manager, dataType, last);
        pwconv1.initialize(manager, dataType, last);
        pwconv2.initialize(manager, dataType, pwconv1.getOutputShapes(new Shape[] {last}));
    }
}
