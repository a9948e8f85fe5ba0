package org.medfusion.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medfusion.train.VerificationResult;
import org.medfusion.train.Verifier;

/**
 * Swin runs at every resolution torchvision accepts, not only multiples of 32: odd maps are padded in patch merging
 * and to window multiples in window attention (112 px: maps 28, 14, 7, 4; 100 px: 25, 13, 7, 4; 50 px: 12, 6, 3, 2).
 */
class SwinResolutionTest {

    private static final long SEED = 11;

    @ParameterizedTest
    @ValueSource(ints = {4, 50, 100, 112})
    void inferenceGivesClassScores(int res) {
        BackboneOptions o = BackboneOptions.defaults().withNumClasses(10).withImageSize(res);
        try (Backbone b = BackboneRegistry.create("swin_t", o); NDManager m = NDManager.newBaseManager()) {
            NDArray y = b.forwardInference(new ParameterStore(m, false), m.randomNormal(new Shape(2, 3, res, res)), m);
            assertArrayEquals(new long[] {2, 10}, y.getShape().getShape());
            assertTrue(Float.isFinite(y.sum().getFloat()), "finite scores at " + res + " px");
        }
    }

    /** Forward and backward, plain and checkpointed (default segments), give the same loss and gradients. */
    @ParameterizedTest
    @ValueSource(ints = {100, 112})
    void checkpointedTrainingEqualsPlain(int res) {
        BackboneOptions o = BackboneOptions.defaults().withNumClasses(10).withImageSize(res).withSeed(SEED);
        try (Backbone b = BackboneRegistry.create("swin_t", o)) {
            VerificationResult r = Verifier.verify(b, 2, res, b.defaultSegments(), SEED);
            String where = "swin_t @" + res + "px: ";
            assertTrue(Double.isFinite(r.lossPlain()), where + "loss " + r.lossPlain());
            assertEquals(r.paramsWithoutGradPlain(), r.paramsWithoutGrad(), where + "checkpointing lost gradients");
            assertTrue(r.paramsWithoutGradPlain().size() < b.trainableParameters().size() / 4,
                    where + "too many parameters without gradient: " + r.paramsWithoutGradPlain());
            assertTrue(r.agrees(), where + r);
        }
    }
}
