package org.medfusion.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.medfusion.backbones.layers.RelativePositionBias;

/** ViT and Swin: block layout, small-resolution inference shapes, input rules, window helpers, exactness. */
class TransformerFamiliesTest {

    private static BackboneOptions small(int res, int classes, int featureDim) {
        return BackboneOptions.defaults().withImageSize(res).withNumClasses(classes).withFeatureDim(featureDim);
    }

    private static Shape infer(Backbone b, int res) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 3, res, res));
            NDArray y = b.forwardInference(new ParameterStore(m, false), x, m);
            return y.getShape();
        }
    }

    @Test
    void vitB32InferenceShapeAt64() {
        try (Backbone b = BackboneRegistry.create("vit_b_32", small(64, 10, 0))) {
            assertEquals(1 + 12 + 1, b.blockCount());
            assertEquals(12, b.defaultSegments());
            assertEquals(CheckpointMode.TRANSFORMER_LAYERS, b.spec().mode());
            assertArrayEquals(new long[] {2, 10}, infer(b, 64).getShape());
            // position embedding sized for 64 px: (64/32)^2 + 1 = 5 positions
            assertArrayEquals(new long[] {1, 5, 768},
                    b.blocks().get(0).getParameters().get("pos_embedding").getArray().getShape().getShape());
        }
    }

    @Test
    void vitRunsOnlyAtItsBuildResolution() {
        try (Backbone b = BackboneRegistry.create("vit_b_32", small(64, 10, 0))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> infer(b, 96));
            assertTrue(e.getMessage().contains("built for 64 px"), e.getMessage());
        }
    }

    @Test
    void swinTInferenceShapeAt64And32() {
        try (Backbone b = BackboneRegistry.create("swin_t", small(64, 10, 0))) {
            assertEquals(1 + 12 + 3 + 1, b.blockCount());
            assertEquals(12, b.defaultSegments());
            assertEquals(CheckpointMode.TRANSFORMER_LAYERS, b.spec().mode());
            // 16x16 and 8x8 maps: padded, rolled and masked; 4x4 and 2x2: window covers, no shift
            assertArrayEquals(new long[] {2, 10}, infer(b, 64).getShape());
            assertArrayEquals(new long[] {2, 10}, infer(b, 32).getShape());
        }
    }

    @Test
    void featureDimReplacesClassifier() {
        try (Backbone b = BackboneRegistry.create("vit_b_32", small(32, 10, 128))) {
            assertArrayEquals(new long[] {2, 128}, infer(b, 32).getShape());
        }
        try (Backbone b = BackboneRegistry.create("swin_t", small(32, 10, 128))) {
            assertArrayEquals(new long[] {2, 128}, infer(b, 32).getShape());
        }
    }

    @Test
    void inputRulesNameTheConstraint() {
        IllegalArgumentException vit = assertThrows(IllegalArgumentException.class,
                () -> BackboneRegistry.create("vit_b_16", small(200, 10, 0)));
        assertEquals("vit_b_16 needs a resolution that is a multiple of 16 and >= 16 (16x16 patches), got 200", vit.getMessage());
        IllegalArgumentException swin = assertThrows(IllegalArgumentException.class,
                () -> BackboneRegistry.create("swin_t", small(3, 10, 0)));
        assertEquals("swin_t needs a resolution >= 4 (4x4 patch embedding), got 3", swin.getMessage());
    }

    @Test
    void relativePositionIndexMatchesTorchvision() {
        // torchvision's relative_position_index for a 2x2 window (one head: flat index = index)
        long[] expected = {4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4};
        assertArrayEquals(expected, RelativePositionBias.flatIndex(2, 1));
        long[] twoHeads = RelativePositionBias.flatIndex(2, 2);
        assertEquals(3 * 2, twoHeads[1]); // head 0, (0, 1): 3 * 2 + 0
        assertEquals(3 * 2 + 1, twoHeads[16 + 1]); // head 1, (0, 1): 3 * 2 + 1
    }

    @Test
    void takeGathersBiasPerHead() {
        try (NDManager m = NDManager.newBaseManager()) {
            int heads = 3;
            NDArray table = m.arange(9 * heads).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).reshape(9, heads);
            long[] idx = RelativePositionBias.flatIndex(2, heads);
            float[] bias = table.take(m.create(idx, new Shape(heads, 4, 4))).toFloatArray();
            long[] rel = RelativePositionBias.flatIndex(2, 1);
            float[] t = table.toFloatArray();
            for (int h = 0; h < heads; h++) {
                for (int ij = 0; ij < 16; ij++) {
                    assertEquals(t[(int) rel[ij] * heads + h], bias[h * 16 + ij]);
                }
            }
        }
    }

    @Test
    void rollAndPadFollowTorch() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.arange(5f).reshape(1, 5, 1, 1);
            // torch.roll(x, -2, 1) = [2, 3, 4, 0, 1]; torch.roll(x, 2, 1) = [3, 4, 0, 1, 2]
            assertArrayEquals(new float[] {2, 3, 4, 0, 1}, SwinTransformers.roll(x, -2, 1).toFloatArray());
            assertArrayEquals(new float[] {3, 4, 0, 1, 2}, SwinTransformers.roll(x, 2, 1).toFloatArray());
            NDArray y = x.reshape(1, 1, 5, 1);
            assertArrayEquals(new float[] {2, 3, 4, 0, 1}, SwinTransformers.roll(y, -2, 2).toFloatArray());
            NDArray p = SwinTransformers.padBottomRight(m.ones(new Shape(1, 2, 3, 1)), 1, 2);
            assertArrayEquals(new long[] {1, 3, 5, 1}, p.getShape().getShape());
            assertEquals(6f, p.sum().getFloat());
            assertEquals(1f, p.get("0, 1, 2, 0").getFloat());
            assertEquals(0f, p.get("0, 2, 0, 0").getFloat());
        }
    }

    @Test
    void attentionMaskMatchesTorchvision() {
        // 4x4 map, window 2, shift 1: regions rows [0,2),[2,3),[3,4) x cols likewise
        float[] mask = SwinTransformers.WindowAttention.attentionMask(4, 4, 2, 1, 1);
        assertEquals(4 * 4 * 4, mask.length);
        for (int i = 0; i < 16; i++) {
            assertEquals(0f, mask[i]); // window (0,0) lies in one region
        }
        // last window (1,1): tokens (2,2),(2,3),(3,2),(3,3) lie in four different regions
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(i == j ? 0f : -100f, mask[3 * 16 + i * 4 + j]);
            }
        }
    }
}
