package org.medfusion.backbones.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * {@code post(stochasticDepth(main(x)) + shortcut(x))}: a residual connection with an optional
 * projection shortcut (identity when null), optional stochastic depth on the main branch
 * (torchvision's "row" mode) and an optional activation after the sum.
 */
public final class Residual extends AbstractBlock {

    private final Block main;
    private final Block shortcut;
    private final Layers.Act post;
    private final float dropPathProb;

    public Residual(Block main, Block shortcut, Layers.Act post, float dropPathProb) {
        this.main = addChildBlock("main", main);
        this.shortcut = shortcut == null ? null : addChildBlock("shortcut", shortcut);
        this.post = post;
        this.dropPathProb = dropPathProb;
    }

    public Residual(Block main) {
        this(main, null, Layers.Act.NONE, 0f);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray branch = main.forward(ps, inputs, training, params).singletonOrThrow();
        NDArray y = StochasticDepth.apply(branch, dropPathProb, training);
        // each intermediate is freed once consumed (Intermediates): the main branch's last BatchNorm output and the
        // sum, two output-sized tensors per block, would otherwise live to the block's end
        Intermediates.release(branch, y, x);
        NDArray s = shortcut == null ? x : shortcut.forward(ps, inputs, training, params).singletonOrThrow();
        NDArray sum = y.add(s);
        Intermediates.release(y, sum, x);
        Intermediates.release(s, sum, x);
        return new NDList(Intermediates.next(sum, post.apply(sum), x));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return main.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        main.initialize(manager, dataType, inputShapes);
        if (shortcut != null) {
            shortcut.initialize(manager, dataType, inputShapes);
        }
    }
}
