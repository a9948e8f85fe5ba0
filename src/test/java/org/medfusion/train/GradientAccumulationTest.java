package org.medfusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.CheckpointMode;
import org.medfusion.backbones.InputRule;
import org.medfusion.backbones.ModelParts;
import org.medfusion.backbones.ModelSpec;
import org.medfusion.backbones.layers.Layers;
import org.medfusion.backbones.layers.Layers.Act;

/**
 * Gradient accumulation: k micro-batches with losses divided by k give the gradient of the whole
 * batch (for a model without BatchNorm, whose batch statistics would differ per micro-batch),
 * also when checkpointed.
 */
class GradientAccumulationTest {

    static final ModelSpec NO_BN = new ModelSpec("no_bn_net", "Test", CheckpointMode.SEQUENTIAL_LAYERS, InputRule.CNN, o -> {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            blocks.add(new SequentialBlock().add(Layers.conv(8, 3, 1, 1, true)).add(Act.RELU.block()));
        }
        blocks.add(new SequentialBlock().add(Layers.globalAvgPoolFlatten()).add(Layers.linear(o.outputDim())));
        return new ModelParts(blocks, 2);
    });

    @Test
    void accumulatedMicroBatchesGiveTheFullBatchGradient() {
        try (Backbone model = Backbone.create(NO_BN, BackboneOptions.defaults().withNumClasses(3).withImageSize(32));
                NDManager m = model.manager().newSubManager()) {
            SyntheticBatch xyBatch = SyntheticBatch.create(m, 4, 32, 3, 9);
        NDArray[] xy = {xyBatch.images(), xyBatch.labels()};
            TrainingStep whole = new TrainingStep(model, OptimizerConfig.adamW(), 1, m);
            float lossWhole = whole.computeGradients(xy[0], xy[1]);
            GradientComparison g1 = GradientComparison.capture(model.trainableParameters());
            whole.zeroGradients();
            model.enableGradientCheckpointing(2);
            TrainingStep micro = new TrainingStep(model, OptimizerConfig.adamW(), 2, m);
            float lossMicro = micro.computeGradients(xy[0], xy[1]);
            GradientComparison g2 = GradientComparison.capture(model.trainableParameters());
            assertEquals(lossWhole, lossMicro, 1e-5 * Math.abs(lossWhole));
            assertTrue(g1.maxRelativeError(g2) < 1e-5, "relative gradient error " + g1.maxRelativeError(g2));
            assertThrows(IllegalArgumentException.class, () -> new TrainingStep(model, OptimizerConfig.adamW(), 3, m)
                    .computeGradients(xy[0], xy[1]));
        }
    }

    @Test
    void optimizerOptionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new OptimizerConfig(OptimizerConfig.Kind.SGD, 0f, 0f, 0.9f));
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.sgd(0.1f, 1.5f));
        OptimizerConfig.sgd(0.1f, 0.9f).build();
    }
}
