package org.medfusion.backbones;

import org.medfusion.train.SyntheticBatch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.checkpoint.BufferSnapshot;

class BackboneApiTest {

    static final BackboneOptions SMALL = BackboneOptions.defaults().withNumClasses(10).withImageSize(32);

    @Test
    void checkpointingSwitchWithDefaultsAndExplicitSegments() {
        try (Backbone b = BackboneRegistry.create("resnet50", SMALL)) {
            assertEquals(18, b.blockCount(), "stem + 16 bottlenecks + head");
            assertFalse(b.isGradientCheckpointingEnabled());
            assertEquals(0, b.segments());
            b.enableGradientCheckpointing();
            assertTrue(b.isGradientCheckpointingEnabled());
            assertEquals(4, b.segments());
            b.enableGradientCheckpointing(8);
            assertEquals(8, b.segments());
            b.disableGradientCheckpointing();
            assertFalse(b.isGradientCheckpointingEnabled());
        }
    }

    @Test
    void badInputsAreOneLineErrorsNamingValueAndRange() {
        try (Backbone b = BackboneRegistry.create("resnet18", SMALL)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.enableGradientCheckpointing(0));
            assertEquals("segments for resnet18 must be between 1 and 10 (its checkpointable blocks), got 0", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> b.enableGradientCheckpointing(11));
            assertTrue(e.getMessage().endsWith("got 11"));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackboneRegistry.create("resnet51"));
        assertTrue(e.getMessage().startsWith("unknown model 'resnet51'; valid models: resnet18, resnet34, resnet50"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SMALL.withFeatureDim(-1));
        assertEquals("featureDim must be >= 0 (0 = keep the classifier), got -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BackboneRegistry.create("resnet18", SMALL.withImageSize(16)));
        assertEquals("resnet18 needs a resolution >= 32, got 16", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void registryListsByPattern() {
        assertEquals(java.util.List.of("resnet18", "resnet34", "resnet50", "resnet101", "resnet152"), BackboneRegistry.list("resnet*"));
    }

    @Test
    void featureDimReplacesTheClassifierWithAProjection() {
        try (Backbone b = BackboneRegistry.create("resnet18", SMALL.withFeatureDim(128));
                NDManager m = b.manager().newSubManager()) {
            NDArray x = SyntheticBatch.create(m, 2, 32, 10, 1).images();
            NDArray y = b.forwardInference(new ParameterStore(m, false), x, m);
            assertEquals(new ai.djl.ndarray.types.Shape(2, 128), y.getShape());
        }
    }

    @Test
    void evalModeIsInertAndLeavesBuffersAlone() {
        try (Backbone b = BackboneRegistry.create("resnet18", SMALL); NDManager m = b.manager().newSubManager()) {
            NDArray x = SyntheticBatch.create(m, 2, 32, 10, 1).images();
            ParameterStore ps = new ParameterStore(m, false);
            float[] plain = b.forwardInference(ps, x, m).toFloatArray();
            float[] buffersBefore = flatten(b);
            b.enableGradientCheckpointing(4);
            NDArray out = b.forwardInference(ps, x, m);
            assertArrayEquals(plain, out.toFloatArray(), "inference must not depend on checkpointing");
            assertFalse(out.hasGradient(), "inference runs without autograd");
            assertArrayEquals(buffersBefore, flatten(b), "inference must not touch BatchNorm statistics");
        }
    }

    @Test
    void pretrainedLoadsWeightsTheProjectSavedAndMissingFileIsAnError(@TempDir Path dir) throws Exception {
        float[] expected;
        try (Backbone trained = BackboneRegistry.create("resnet18", SMALL.withSeed(5)); NDManager m = trained.manager().newSubManager()) {
            trained.saveWeights(Backbone.weightsFile(dir, "resnet18"));
            NDArray x = SyntheticBatch.create(m, 2, 32, 10, 1).images();
            expected = trained.forwardInference(new ParameterStore(m, false), x, m).toFloatArray();
        }
        try (Backbone loaded = BackboneRegistry.create("resnet18", SMALL.withSeed(6).withWeightsDir(dir).withPretrained(true));
                NDManager m = loaded.manager().newSubManager()) {
            NDArray x = SyntheticBatch.create(m, 2, 32, 10, 1).images();
            assertArrayEquals(expected, loaded.forwardInference(new ParameterStore(m, false), x, m).toFloatArray());
        }
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> BackboneRegistry.create("resnet34", SMALL.withWeightsDir(dir).withPretrained(true)));
        assertTrue(e.getMessage().contains("pretrained weights for resnet34 not found"), e.getMessage());
    }

    private static float[] flatten(Backbone b) {
        var arrays = BufferSnapshot.buffersOf(b.blocks());
        int n = arrays.stream().mapToInt(a -> (int) a.size()).sum();
        float[] out = new float[n];
        int i = 0;
        for (NDArray a : arrays) {
            float[] f = a.toFloatArray();
            System.arraycopy(f, 0, out, i, f.length);
            i += f.length;
        }
        return out;
    }
}
