package org.medfusion.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Small-resolution inference of one variant per family (MobileNet, EfficientNet, EfficientNetV2). */
class MobileNetFamiliesTest {

    @ParameterizedTest
    @ValueSource(strings = {"mobilenet_v3_small", "mobilenet_v2", "efficientnet_b0", "efficientnet_v2_s"})
    void smallResolutionInferenceGivesClassScores(String name) {
        BackboneOptions o = BackboneOptions.defaults().withNumClasses(10).withImageSize(64);
        try (Backbone b = BackboneRegistry.create(name, o); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(Backbone.DEFAULT_SEGMENTS, b.defaultSegments());
            NDArray input = manager.randomNormal(new Shape(2, 3, 64, 64));
            NDArray out = b.forwardInference(new ParameterStore(manager, false), input, manager);
            assertEquals(new Shape(2, 10), out.getShape());
            assertTrue(Float.isFinite(out.sum().getFloat()), name + " output is finite");
        }
    }

    @ParameterizedTest
    @CsvSource({"mobilenet_v2, 20", "mobilenet_v3_small, 14", "mobilenet_v3_large, 18", "efficientnet_b0, 19",
            "efficientnet_b1, 26", "efficientnet_b2, 26", "efficientnet_v2_s, 43", "efficientnet_v2_m, 60",
            "efficientnet_v2_l, 82"})
    void blockCountsAreStemBlocksLastConvHead(String name, int blocks) {
        BackboneOptions o = BackboneOptions.defaults().withNumClasses(10).withImageSize(32);
        try (Backbone b = BackboneRegistry.create(name, o)) {
            assertEquals(blocks, b.blockCount());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mobilenet_v3_small", "efficientnet_b0"})
    void featureDimReplacesTheClassifier(String name) {
        BackboneOptions o = BackboneOptions.defaults().withFeatureDim(128).withImageSize(32);
        try (Backbone b = BackboneRegistry.create(name, o); NDManager manager = NDManager.newBaseManager()) {
            NDArray out = b.forwardInference(new ParameterStore(manager, false),
                    manager.randomNormal(new Shape(1, 3, 32, 32)), manager);
            assertEquals(new Shape(1, 128), out.getShape());
        }
    }
}
