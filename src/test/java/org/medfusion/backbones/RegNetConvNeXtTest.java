package org.medfusion.backbones;

import org.medfusion.train.SyntheticBatch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medfusion.train.TrainingStep;
import org.medfusion.train.VerificationResult;

/** RegNetY and ConvNeXt: stage quantisation, block layout and small-resolution inference shapes. */
class RegNetConvNeXtTest {

    private static BackboneOptions small(int classes, int featureDim) {
        return BackboneOptions.defaults().withImageSize(64).withNumClasses(classes).withFeatureDim(featureDim);
    }

    private static Shape infer(Backbone b, int res) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 3, res, res));
            NDArray y = b.forwardInference(new ParameterStore(m, false), x, m);
            return y.getShape();
        }
    }

    @Test
    void regnetY400mfStagesMatchTorchvision() {
        RegNets.Variant v = new RegNets.Variant("regnet_y_400mf", 16, 48, 27.89, 2.09, 8);
        List<RegNets.Stage> stages = RegNets.stages(v);
        // torchvision: widths [48, 104, 208, 440], depths [1, 3, 6, 6], group width 8
        assertEquals(List.of(48, 104, 208, 440), stages.stream().map(RegNets.Stage::width).collect(Collectors.toList()));
        assertEquals(List.of(1, 3, 6, 6), stages.stream().map(RegNets.Stage::depth).collect(Collectors.toList()));
    }

    @Test
    void regnetInferenceShape() {
        try (Backbone b = BackboneRegistry.create("regnet_y_400mf", small(10, 0))) {
            assertEquals(1 + 16 + 1, b.blockCount());
            assertEquals(Backbone.DEFAULT_SEGMENTS, b.defaultSegments());
            assertArrayEquals(new long[] {2, 10}, infer(b, 64).getShape());
            assertArrayEquals(new long[] {2, 10}, infer(b, 32).getShape());
        }
    }

    @Test
    void convnextInferenceShape() {
        try (Backbone b = BackboneRegistry.create("convnext_tiny", small(10, 0))) {
            assertEquals(1 + 18 + 3 + 1, b.blockCount());
            assertEquals(Backbone.DEFAULT_SEGMENTS, b.defaultSegments());
            assertEquals(CheckpointMode.HYBRID_STAGES, b.spec().mode());
            assertArrayEquals(new long[] {2, 10}, infer(b, 64).getShape());
            assertArrayEquals(new long[] {2, 10}, infer(b, 32).getShape());
        }
    }

    @Test
    void featureDimReplacesClassifier() {
        try (Backbone b = BackboneRegistry.create("convnext_tiny", small(10, 128))) {
            assertArrayEquals(new long[] {2, 128}, infer(b, 64).getShape());
        }
        try (Backbone b = BackboneRegistry.create("regnet_y_400mf", small(10, 128))) {
            assertArrayEquals(new long[] {2, 128}, infer(b, 64).getShape());
        }
    }

    /** Training steps leave no arrays behind in the model's manager (activations first in every op). */
    @ParameterizedTest
    @ValueSource(strings = {"regnet_y_400mf", "convnext_tiny"})
    void trainingStepsDoNotLeakArrays(String name) {
        try (Backbone b = BackboneRegistry.create(name, small(10, 0).withImageSize(32))) {
            b.enableGradientCheckpointing();
            try (NDManager data = b.manager().newSubManager()) {
                SyntheticBatch xyBatch = SyntheticBatch.create(data, 2, 32, 10, 3);
        NDArray[] xy = {xyBatch.images(), xyBatch.labels()};
                TrainingStep step = new TrainingStep(b, b.manager());
                int after = 0;
                for (int i = 1; i <= 6; i++) {
                    step.step(xy[0], xy[1]);
                    if (i == 3) {
                        after = b.manager().getManagedArrays().size();
                    }
                }
                assertEquals(after, b.manager().getManagedArrays().size(), "live arrays grew");
            }
        }
    }
}
