package org.medfusion.natives;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.train.SyntheticBatch;
import org.medfusion.train.TrainingStep;
import org.medfusion.train.VerificationResult;
import org.medfusion.train.Verifier;

/**
 * The real JNA fallback in this JVM: oneDNN switched off, a tiny ResNet-50 (batch 2, 32 px; its 1x1-conv backward
 * is where the crash of docs/native-fallback.md happens) still trains and checkpointing stays exact; the 1x1-conv gradients
 * with oneDNN off match those with oneDNN on (where oneDNN works). The switch is restored afterwards.
 */
class OneDnnFallbackTest {

    private boolean before;

    @BeforeEach
    void remember() {
        Natives.ensureEngine();
        before = OneDnnFallback.isEnabled();
    }

    @AfterEach
    void restore() {
        OneDnnFallback.setEnabled(before);
    }

    @Test
    void switchesOneDnnInTheLoadedLibtorch() {
        assertTrue(OneDnnFallback.loadedLibrary().isPresent());
        OneDnnFallback.setEnabled(false);
        assertFalse(OneDnnFallback.isEnabled());
    }

    @Test
    void resnet50TrainsAndCheckpointingStaysExactWithTheFallback() {
        OneDnnFallback.setEnabled(false);
        try (Backbone b = BackboneRegistry.create("resnet50", BackboneOptions.defaults().withNumClasses(10).withImageSize(32))) {
            VerificationResult r = Verifier.verify(b, 2, 32, 4, 7);
            assertTrue(r.agrees(), r.toString());
            try (NDManager data = b.manager().newSubManager()) {
                SyntheticBatch batch = SyntheticBatch.create(data, 2, 32, 10, 3);
                TrainingStep step = new TrainingStep(b, b.manager());
                float first = step.step(batch.images(), batch.labels());
                float second = step.step(batch.images(), batch.labels());
                assertTrue(Float.isFinite(first) && Float.isFinite(second), first + " " + second);
                assertTrue(second != first, "the update changed nothing");
            }
        }
    }

    @Test
    void oneByOneConvGradientsAgreeWithOneDnnOnAndOff() {
        assumeFalse(Natives.current().fallbackApplied(), "oneDNN crashes on this machine: nothing to compare with");
        OneDnnFallback.setEnabled(true);
        float[][] on = gradients();
        OneDnnFallback.setEnabled(false);
        float[][] off = gradients();
        for (int k = 0; k < 2; k++) {
            double maxAbs = 0;
            double maxDiff = 0;
            for (int i = 0; i < on[k].length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(on[k][i]));
                maxDiff = Math.max(maxDiff, Math.abs(on[k][i] - off[k][i]));
            }
            assertTrue(maxDiff <= 1e-5 * maxAbs, (k == 0 ? "input" : "weight") + " gradient differs by " + maxDiff + " of " + maxAbs);
        }
    }

    /** Input and weight gradients of a ResNet-50 bottleneck's 1x1 reduce conv (256 -> 64), batch 2, 8x8. */
    private static float[][] gradients() {
        try (NDManager m = NDManager.newBaseManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            m.getEngine().setRandomSeed(11);
            NDArray x = m.randomNormal(new Shape(2, 256, 8, 8));
            NDArray w = m.randomNormal(new Shape(64, 256, 1, 1)).mul(0.05f);
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            NDArray y = ConvCall.conv2d(x, w, null, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
            gc.backward(y.square().mean());
            return new float[][] {x.getGradient().toFloatArray(), w.getGradient().toFloatArray()};
        }
    }
}
