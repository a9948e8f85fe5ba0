package org.medfusion.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.medfusion.backbones.layers.RelativePositionBias;

/** maxvit_t: input rule, relative position index, block layout and one 224 px inference forward. */
class MaxViTTest {

    @Test
    void inputRuleNamesTheAllowedResolutions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackboneRegistry.create("maxvit_t", BackboneOptions.defaults().withImageSize(64)));
        assertEquals("maxvit_t needs every stage's feature map divisible by the partition size 7: use a resolution that is a "
                + "multiple of 224 (224, 448, 672, ...), got 64 (stage maps [16, 8, 4, 2])", e.getMessage());
        InputRule rule = BackboneRegistry.spec("maxvit_t").inputRule();
        assertThrows(IllegalArgumentException.class, () -> rule.validate("maxvit_t", 256));
        assertThrows(IllegalArgumentException.class, () -> rule.validate("maxvit_t", 220));
        assertDoesNotThrow(() -> rule.validate("maxvit_t", 224));
        assertDoesNotThrow(() -> rule.validate("maxvit_t", 448));
        assertDoesNotThrow(() -> rule.validate("maxvit_t", 221)); // torchvision's ceil rounding: same maps as 224
    }

    @Test
    void relativePositionIndexMatchesTorchvision() {
        long[] idx = RelativePositionBias.relativePositionIndex(7);
        assertEquals(49 * 49, idx.length);
        assertEquals(84, idx[0]); // a token with itself: (6 * 13) + 6
        assertEquals(83, idx[1]); // (0,0) vs (0,1): dx = -1
        assertEquals(168, idx[48 * 49]); // (6,6) vs (0,0): the last table row
        assertEquals(0, idx[48]); // (0,0) vs (6,6): the first table row
    }

    @Test
    void oneInferenceForwardAt224() {
        try (Backbone b = BackboneRegistry.create("maxvit_t", BackboneOptions.defaults().withNumClasses(10))) {
            assertEquals(13, b.blockCount(), "stem + 11 MaxViT layers + head");
            assertEquals(11, b.defaultSegments());
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.randomNormal(new Shape(1, 3, 224, 224));
                NDArray y = b.forwardInference(new ParameterStore(m, false), x, m);
                assertArrayEquals(new long[] {1, 10}, y.getShape().getShape());
                assertTrue(Float.isFinite(y.sum().getFloat()));
            }
        }
    }
}
