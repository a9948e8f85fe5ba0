package org.medfusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.train.VerificationResult;

/**
 * The ResNet-18 that the checkpoint exactness tests train (10 classes, 64 px), and what "a checkpointed step equals
 * the plain step" means for them: the same loss, every gradient and BatchNorm running statistics within 1e-6, and
 * no parameter left without a gradient.
 */
final class ResNetStepExactness {

    /** Resolution the model is built for and stepped at. */
    static final int RES = 64;

    private ResNetStepExactness() {
    }

    /** A fresh ResNet-18 with 10 classes at {@link #RES} px; the caller closes it. */
    static Backbone resnet18() {
        return BackboneRegistry.create("resnet18", BackboneOptions.defaults().withNumClasses(10).withImageSize(RES));
    }

    /** Fails, naming {@code what} (the plan or knob checked), unless the checkpointed step of {@code r} equals its plain step. */
    static void assertEqualsPlain(VerificationResult r, String what) {
        assertTrue(r.buffersUpdated(), what + ": the plain step must update BatchNorm running statistics");
        assertEquals(r.lossPlain(), r.lossCheckpointed(), Math.abs(r.lossPlain()) * 1e-6, what + ": loss");
        assertTrue(r.maxRelGradError() <= 1e-6, what + ": max relative gradient error " + r.maxRelGradError());
        assertTrue(r.bnMaxAbsDiff() <= 1e-6, what + ": BN running stats differ by " + r.bnMaxAbsDiff() + " (updated again in a recompute?)");
        assertTrue(r.paramsWithoutGrad().isEmpty(), what + ": no gradient: " + r.paramsWithoutGrad());
        assertTrue(r.agrees(), what + ": " + r);
    }
}
