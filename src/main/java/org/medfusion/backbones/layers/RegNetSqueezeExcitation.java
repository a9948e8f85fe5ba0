package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * torchvision's {@code SqueezeExcitation} as RegNet uses it: global average pool, 1x1 conv (with
 * bias) to {@code squeeze} channels, ReLU, 1x1 conv (with bias) back to the input width, sigmoid,
 * and the input scaled channel-wise by the result. The input stays the first operand of every op,
 * so outputs land in the activation's manager.
 */
public final class RegNetSqueezeExcitation extends AbstractBlock {

    private final Conv2d fc1;
    private final Conv2d fc2;

    /**
     * @param channels input (and output) width
     * @param squeeze width of the squeezed representation
     */
    public RegNetSqueezeExcitation(int channels, int squeeze) {
        this.fc1 = addChildBlock("fc1", Layers.conv(squeeze, 1, 1, 1, true));
        this.fc2 = addChildBlock("fc2", Layers.conv(channels, 1, 1, 1, true));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray s = Pool.globalAvgPool2d(x).reshape(x.getShape().get(0), x.getShape().get(1), 1, 1);
        s = fc1.forward(ps, new NDList(s), training, params).singletonOrThrow();
        s = Activation.relu(s);
        s = fc2.forward(ps, new NDList(s), training, params).singletonOrThrow();
        s = Activation.sigmoid(s);
        return new NDList(x.mul(s));
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
