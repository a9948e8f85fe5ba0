package org.medfusion.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

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
}
