package org.medfusion.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.medfusion.backbones.layers.Layers;
import org.medfusion.backbones.layers.Layers.Act;
import org.medfusion.backbones.layers.MobileBlocks;
import org.medfusion.train.VerificationResult;
import org.medfusion.train.Verifier;

/** Small-resolution inference of one variant per family (MobileNet, EfficientNet, EfficientNetV2). */
class MobileNetFamiliesTest {

    @ParameterizedTest
    @ValueSource(strings = {"mobilenet_v3_small", "mobilenet_v2", "efficientnet_b0", "efficientnet_v2_s"})
    void smallResolutionInferenceGivesClassScores(String name) {
        BackboneOptions o = BackboneOptions.defaults().withNumClasses(10).withImageSize(64);
        try (Backbone b = BackboneRegistry.create(name, o); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(Backbone.DEFAULT_SEGMENTS, b.defaultSegments());
            NDArray input = manager.randomNormal(new Shape(2, 3, 64, 64));
            NDArray out = b.forwardInference(new ParameterStore(manager, false), input, manager);
            assertEquals(new Shape(2, 10), out.getShape());
            assertTrue(Float.isFinite(out.sum().getFloat()), name + " output is finite");
        }
    }

    @ParameterizedTest
    @CsvSource({"mobilenet_v2, 20", "mobilenet_v3_small, 14", "mobilenet_v3_large, 18", "efficientnet_b0, 19",
            "efficientnet_b1, 26", "efficientnet_b2, 26", "efficientnet_v2_s, 43", "efficientnet_v2_m, 60",
            "efficientnet_v2_l, 82"})
    void blockCountsAreStemBlocksLastConvHead(String name, int blocks) {
        BackboneOptions o = BackboneOptions.defaults().withNumClasses(10).withImageSize(32);
        try (Backbone b = BackboneRegistry.create(name, o)) {
            assertEquals(blocks, b.blockCount());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mobilenet_v3_small", "efficientnet_b0"})
    void featureDimReplacesTheClassifier(String name) {
        BackboneOptions o = BackboneOptions.defaults().withFeatureDim(128).withImageSize(32);
        try (Backbone b = BackboneRegistry.create(name, o); NDManager manager = NDManager.newBaseManager()) {
            NDArray out = b.forwardInference(new ParameterStore(manager, false),
                    manager.randomNormal(new Shape(1, 3, 32, 32)), manager);
            assertEquals(new Shape(1, 128), out.getShape());
        }
    }

    /**
     * The activations of these families stay exact while the garbage collector runs between forward
     * and backward (a thread calls System.gc() continuously). DJL's own SiLU / ReLU6 / hard-sigmoid
     * wrap Java numbers in tensors over Java direct buffers that autograd keeps for backward; with
     * them this check fails in almost every verification (hence {@link Layers#scalar} and clamp in {@link Layers.Act}).
     */
    @ParameterizedTest
    @ValueSource(strings = {"SILU", "RELU6", "HARDSWISH", "HARDSIGMOID"})
    void activationGradientsSurviveGarbageCollection(String actName) throws InterruptedException {
        Act act = Act.valueOf(actName);
        ModelSpec spec = new ModelSpec("act_net", "Test", CheckpointMode.SEQUENTIAL_LAYERS, InputRule.CNN, o -> {
            List<Block> blocks = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                blocks.add(MobileBlocks.convBnAct(16, 3, i == 0 ? 2 : 1, 1, act, MobileBlocks.Norm.DEFAULT));
            }
            blocks.add(new SequentialBlock().add(Layers.globalAvgPoolFlatten()).add(Layers.linear(o.outputDim())));
            return new ModelParts(blocks, 4);
        });
        Thread gc = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        gc.setDaemon(true);
        gc.start();
        try (Backbone b = Backbone.create(spec, BackboneOptions.defaults().withNumClasses(5).withImageSize(32))) {
            for (int rep = 0; rep < 5; rep++) {
                VerificationResult r = Verifier.verify(b, 2, 32, 4, rep);
                assertTrue(r.maxRelGradError() <= 1e-6 && r.lossRelDiff() <= 1e-6, act + ": " + r);
            }
        } finally {
            gc.interrupt();
            gc.join();
        }
    }
}
