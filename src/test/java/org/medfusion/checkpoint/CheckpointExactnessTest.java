package org.medfusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.train.VerificationResult;
import org.medfusion.train.Verifier;

/** Checkpointed training of ResNet-18 equals plain training: loss, every gradient, BN statistics. */
class CheckpointExactnessTest {

    static Backbone resnet;

    @BeforeAll
    static void build() {
        resnet = BackboneRegistry.create("resnet18", BackboneOptions.defaults().withNumClasses(10).withImageSize(64));
    }

    @AfterAll
    static void close() {
        resnet.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void checkpointedStepEqualsPlainStep(int segments) {
        VerificationResult r = Verifier.verify(resnet, 4, 64, segments, 7);
        assertTrue(r.buffersUpdated(), "the plain step must update BatchNorm running statistics");
        assertEquals(r.lossPlain(), r.lossCheckpointed(), Math.abs(r.lossPlain()) * 1e-6, "loss");
        assertTrue(r.maxRelGradError() <= 1e-6, "max relative gradient error " + r.maxRelGradError());
        assertTrue(r.bnMaxAbsDiff() <= 1e-6, "BN running stats differ by " + r.bnMaxAbsDiff() + " (updated twice?)");
        assertTrue(r.paramsWithoutGrad().isEmpty(), "no gradient: " + r.paramsWithoutGrad());
        assertTrue(r.agrees());
    }
}
