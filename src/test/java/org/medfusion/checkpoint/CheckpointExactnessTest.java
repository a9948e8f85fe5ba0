package org.medfusion.checkpoint;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medfusion.backbones.Backbone;
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
        resnet = ResNetStepExactness.resnet18();
    }

    @AfterAll
    static void close() {
        resnet.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void checkpointedStepEqualsPlainStep(int segments) {
        VerificationResult r = Verifier.verify(resnet, 4, ResNetStepExactness.RES, segments, 7);
        ResNetStepExactness.assertEqualsPlain(r, segments + " segments");
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
        VerificationResult r = Verifier.verify(resnet, 4, ResNetStepExactness.RES, plan.segmentCount(), SplitPolicy.fixed(plan), 7);
        ResNetStepExactness.assertEqualsPlain(r, kinds);
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
