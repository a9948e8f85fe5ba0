package org.medfusion.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.train.GradientComparison;
import org.medfusion.train.TrainingStep;

/** The seed's scenario 4: a 4-view classifier on resnet18 trains the same with checkpointing on its backbone. */
class MultiViewClassifierTest {

    static final BackboneOptions SMALL = BackboneOptions.defaults().withImageSize(32);

    @ParameterizedTest
    @ValueSource(strings = {"attention", "mean", "max"})
    void checkpointedBackboneGivesTheSameGradients(String aggregation) {
        try (MultiViewClassifier model = new MultiViewClassifier("resnet18", 2, 4, MultiViewClassifier.Aggregation.parse(aggregation), 128, SMALL);
                NDManager m = model.backbone().manager().newSubManager()) {
            JniUtils.setSeed(3);
            NDArray x = m.randomNormal(new Shape(2, 4, 3, 32, 32));
            NDArray y = m.create(new long[] {0, 1});
            TrainingStep step = new TrainingStep(model, m);
            assertEquals(new Shape(2, 2), model.forwardInference(step.parameterStore(), x, m).getShape());
            float plainLoss = step.computeGradients(x, y);
            GradientComparison plain = GradientComparison.capture(model.trainableParameters());
            step.zeroGradients();
            // training-mode BatchNorm normalises with batch statistics, so the running statistics the
            // plain pass moved do not affect the gradients compared here
            model.backbone().enableGradientCheckpointing();
            float ckptLoss = step.computeGradients(x, y);
            GradientComparison ckpt = GradientComparison.capture(model.trainableParameters());
            assertEquals(plainLoss, ckptLoss, 1e-6 * Math.abs(plainLoss));
            assertTrue(plain.maxRelativeError(ckpt) <= 1e-6, "relative gradient error " + plain.maxRelativeError(ckpt));
            assertTrue(ckpt.withoutGradient().isEmpty(), "no gradient: " + ckpt.withoutGradient());
        }
    }

    @Test
    void badArgumentsAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MultiViewClassifier.Aggregation.parse("concat"));
        assertEquals("aggregation must be one of mean, max, attention, got 'concat'", e.getMessage());
        try (MultiViewClassifier model = new MultiViewClassifier("resnet18", 2, 4, MultiViewClassifier.Aggregation.MEAN, 16, SMALL);
                NDManager m = model.backbone().manager().newSubManager()) {
            NDArray wrong = m.zeros(new Shape(2, 3, 3, 32, 32), DataType.FLOAT32);
            e = assertThrows(IllegalArgumentException.class, () -> model.forwardInference(new ai.djl.training.ParameterStore(m, false), wrong, m));
            assertEquals("input must be (batch, 4 views, channels, height, width), got (2, 3, 3, 32, 32)", e.getMessage());
        }
    }
}
