package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * torchvision's {@code SqueezeExcitation}, shared by MobileNetV3 (ReLU, hard-sigmoid), EfficientNet
 * and MaxViT (SiLU, sigmoid) and RegNetY (ReLU, sigmoid): global average pool, 1x1 conv with bias to
 * the squeezed width, activation, 1x1 conv with bias back to the input width, scale activation, and
 * the input scaled channel-wise. The input is the first operand of every op (leak rule).
 */
public final class SqueezeExcitation extends AbstractBlock {

    private final Conv2d fc1;
    private final Conv2d fc2;
    private final Layers.Act act;
    private final Layers.Act scaleAct;

    /**
     * @param channels input (and output) channels
     * @param squeezeChannels width of the bottleneck
     * @param act activation between the two 1x1 convolutions
     * @param scaleAct activation producing the per-channel scale
     */
    public SqueezeExcitation(int channels, int squeezeChannels, Layers.Act act, Layers.Act scaleAct) {
        this.fc1 = addChildBlock("fc1", Layers.conv(squeezeChannels, 1, 1, 1, true));
        this.fc2 = addChildBlock("fc2", Layers.conv(channels, 1, 1, 1, true));
        this.act = act;
        this.scaleAct = scaleAct;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape shape = x.getShape();
        NDArray scale = Pool.globalAvgPool2d(x).reshape(shape.get(0), shape.get(1), 1, 1);
        scale = fc1.forward(ps, new NDList(scale), training, params).singletonOrThrow();
        scale = act.apply(scale);
        scale = fc2.forward(ps, new NDList(scale), training, params).singletonOrThrow();
        scale = scaleAct.apply(scale);
        return new NDList(x.mul(scale));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape pooled = new Shape(inputShapes[0].get(0), inputShapes[0].get(1), 1, 1);
        fc1.initialize(manager, dataType, pooled);
        fc2.initialize(manager, dataType, fc1.getOutputShapes(new Shape[] {pooled}));
    }
}
