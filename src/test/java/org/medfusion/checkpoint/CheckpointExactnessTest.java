package org.medfusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.train.VerificationResult;
import org.medfusion.train.Verifier;

/**
 * Checkpointed training of ResNet-18 equals plain training: loss, every gradient, BN statistics; with count-based
 * plans and with plans that store segments anywhere (the memory-budget planner's).
 */
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

    /**
     * Plans with stored segments between recomputed ones: a stored segment's backward uses the graph of its only
     * forward, a recomputed one after it starts from the stored segment's output. {@code kinds}: one letter per
     * segment of a uniform cut, r recomputed, s stored.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rsrs", "srs", "sss", "ssrrs", "rrss", "srsrs"})
    void mixedPlanEqualsPlainStep(String kinds) {
        SegmentPlan plan = mixed(resnet.blocks().size(), kinds);
        VerificationResult r = Verifier.verify(resnet, 4, 64, plan.segmentCount(), SplitPolicy.fixed(plan), 7);
        assertTrue(r.buffersUpdated(), "the plain step must update BatchNorm running statistics");
        assertEquals(r.lossPlain(), r.lossCheckpointed(), Math.abs(r.lossPlain()) * 1e-6, "loss");
        assertTrue(r.maxRelGradError() <= 1e-6, kinds + ": max relative gradient error " + r.maxRelGradError());
        assertTrue(r.bnMaxAbsDiff() <= 1e-6, kinds + ": BN running stats differ by " + r.bnMaxAbsDiff() + " (updated twice?)");
        assertTrue(r.paramsWithoutGrad().isEmpty(), kinds + ": no gradient: " + r.paramsWithoutGrad());
        assertTrue(r.agrees());
    }

    /** The uniform cut of {@code blocks} into {@code kinds.length()} segments, r recomputed and s stored per segment. */
    static SegmentPlan mixed(int blocks, String kinds) {
        List<Boolean> recomputed = new ArrayList<>();
        for (char c : kinds.toCharArray()) {
            recomputed.add(c == 'r');
        }
        return SegmentPlan.of(SegmentPlan.uniform(blocks, kinds.length()).ranges(), recomputed);
    }
}
