package org.medfusion.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.medfusion.train.VerificationResult;
import org.medfusion.train.Verifier;

/**
 * timm-style registry-wide test: for every registered model at its smallest valid resolution
 * (batch 2, 10 classes), a checkpointed training step with the model's default segment count
 * equals a plain one: loss and every gradient within 1e-6 relative, BatchNorm buffers updated
 * exactly once (equal after both), checkpointing loses no gradient, and every parameter receives
 * one (in families with stochastic depth, all but those of branches dropped for the whole batch). With {@code -Dheavy=true}
 * also 2 segments and the maximum (one block per segment).
 */
class ZooExactnessTest {

    /**
     * Seeds weights, input and the per-block random streams.
     */
    static final long SEED = 2;

    /** Families whose torchvision definition drops residual branches at random in training. */
    static final java.util.Set<String> STOCHASTIC_DEPTH = java.util.Set.of("EfficientNet", "EfficientNetV2", "Swin", "ConvNeXt", "MaxViT");

    static List<Arguments> cases() {
        boolean heavy = Boolean.getBoolean("heavy");
        List<Arguments> out = new ArrayList<>();
        for (String name : BackboneRegistry.names()) {
            out.add(Arguments.of(name, 0));
            if (heavy) {
                out.add(Arguments.of(name, 2));
                out.add(Arguments.of(name, -1));
            }
        }
        return out;
    }

    /**
     * Models whose smallest input leaves some parameter legitimately without gradient: at 32 px and
     * batch 2 mobilenet_v2's last BatchNorm shifts are cancelled exactly by the BatchNorm that
     * follows (as in torchvision), so it runs at 64 px, batch 4.
     */
    static final java.util.Map<String, int[]> RES_AND_BATCH = java.util.Map.of("mobilenet_v2", new int[] {64, 4});

    /** The smallest multiple of 32 that the model's input rule accepts. */
    static int smallestResolution(ModelSpec spec) {
        return ZooSizes.smallestResolution(spec);
    }

    @ParameterizedTest(name = "{0} segments={1}")
    @MethodSource("cases")
    void checkpointedTrainingEqualsPlain(String name, int segmentsArg) {
        ModelSpec spec = BackboneRegistry.spec(name);
        int[] override = RES_AND_BATCH.get(name);
        int res = override != null ? override[0] : smallestResolution(spec);
        int batch = override != null ? override[1] : 2;
        try (Backbone b = BackboneRegistry.create(name, BackboneOptions.defaults().withNumClasses(10).withImageSize(res).withSeed(SEED))) {
            int segments = segmentsArg == 0 ? b.defaultSegments() : segmentsArg < 0 ? b.blockCount() : segmentsArg;
            VerificationResult r = Verifier.verify(b, batch, res, segments, SEED);
            String where = name + " @" + res + "px S=" + segments + ": ";
            assertEquals(r.paramsWithoutGradPlain(), r.paramsWithoutGrad(), where + "checkpointing lost gradients");
            if (STOCHASTIC_DEPTH.contains(b.family())) {
                // a branch dropped for both samples gets no gradient, in plain and checkpointed alike
                assertTrue(r.paramsWithoutGrad().size() < b.trainableParameters().size() / 4,
                        where + "too many parameters without gradient: " + r.paramsWithoutGrad());
            } else {
                assertTrue(r.paramsWithoutGrad().isEmpty(), where + "no gradient for " + r.paramsWithoutGrad());
            }
            assertTrue(r.lossRelDiff() <= VerificationResult.REL_TOLERANCE, where + "loss " + r.lossPlain() + " vs " + r.lossCheckpointed());
            assertTrue(r.maxRelGradError() <= VerificationResult.REL_TOLERANCE, where + "max relative gradient error " + r.maxRelGradError());
            assertTrue(r.bnMaxAbsDiff() <= VerificationResult.BN_TOLERANCE, where + "buffers differ by " + r.bnMaxAbsDiff());
            if (b.bufferCount() > 0) {
                assertTrue(r.buffersUpdated(), where + "the plain step did not update the BatchNorm statistics");
            }
        }
    }
}
