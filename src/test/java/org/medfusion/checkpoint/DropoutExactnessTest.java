package org.medfusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.CheckpointMode;
import org.medfusion.backbones.InputRule;
import org.medfusion.backbones.ModelParts;
import org.medfusion.backbones.ModelSpec;
import org.medfusion.backbones.layers.Layers;
import org.medfusion.backbones.layers.Layers.Act;
import org.medfusion.backbones.layers.Residual;
import org.medfusion.train.VerificationResult;
import org.medfusion.train.Verifier;

/**
 * A small network with dropout (p=0.5) inside every block and stochastic depth on every residual
 * branch: recompute must replay the same masks, so checkpointed training still equals plain.
 */
class DropoutExactnessTest {

    static final ModelSpec NOISY = new ModelSpec("noisy_net", "Test", CheckpointMode.SEQUENTIAL_LAYERS, InputRule.CNN,
            DropoutExactnessTest::build);

    static Backbone model;

    static ModelParts build(BackboneOptions o) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(Layers.convBnAct(16, 3, 2, 1, Act.RELU));
        for (int i = 0; i < 6; i++) {
            Block main = new SequentialBlock().add(Layers.convBnAct(16, 3, 1, 1, Act.RELU))
                    .add(Dropout.builder().optRate(0.5f).build())
                    .add(Layers.convBnAct(16, 3, 1, 1, Act.NONE));
            blocks.add(new Residual(main, null, Act.RELU, 0.3f));
        }
        blocks.add(new SequentialBlock().add(Layers.globalAvgPoolFlatten())
                .add(Dropout.builder().optRate(0.5f).build()).add(Linear.builder().setUnits(o.outputDim()).build()));
        return new ModelParts(blocks, 4);
    }

    @BeforeAll
    static void create() {
        model = Backbone.create(NOISY, BackboneOptions.defaults().withNumClasses(5).withImageSize(32));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 8})
    void dropoutAndStochasticDepthAreReplayedInRecompute(int segments) {
        VerificationResult r = Verifier.verify(model, 4, 32, segments, 11);
        assertTrue(r.lossRelDiff() <= 1e-6, "loss " + r.lossPlain() + " vs " + r.lossCheckpointed());
        assertTrue(r.maxRelGradError() <= 1e-6, "max relative gradient error " + r.maxRelGradError());
        assertTrue(r.bnMaxAbsDiff() <= 1e-6, "BN differs by " + r.bnMaxAbsDiff());
        assertTrue(r.agrees());
    }

    /** Stored segments anywhere: their one forward draws the masks the plain step draws; recomputed ones replay them. */
    @ParameterizedTest
    @ValueSource(strings = {"rsrs", "srs", "ssrs", "rsss"})
    void mixedPlansReplayTheSameMasks(String kinds) {
        SegmentPlan plan = CheckpointExactnessTest.mixed(model.blocks().size(), kinds);
        VerificationResult r = Verifier.verify(model, 4, 32, plan.segmentCount(), SplitPolicy.fixed(plan), 11);
        assertTrue(r.lossRelDiff() <= 1e-6, kinds + ": loss " + r.lossPlain() + " vs " + r.lossCheckpointed());
        assertTrue(r.maxRelGradError() <= 1e-6, kinds + ": max relative gradient error " + r.maxRelGradError());
        assertTrue(r.bnMaxAbsDiff() <= 1e-6, kinds + ": BN differs by " + r.bnMaxAbsDiff());
        assertTrue(r.agrees());
    }
}
