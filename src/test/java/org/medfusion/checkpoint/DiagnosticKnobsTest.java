package org.medfusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.medfusion.backbones.Backbone;
import org.medfusion.platform.NativeHeap;
import org.medfusion.train.VerificationResult;
import org.medfusion.train.Verifier;

/**
 * The diagnostic knobs ({@link Diagnostics}) cost what they say and nothing else: loss, gradients and BatchNorm
 * statistics stay those of plain training; recompute-twice runs the segment's forward once more; keep-alive keeps
 * the segment's activations in memory after its backward.
 */
class DiagnosticKnobsTest {

    static Backbone resnet;

    @BeforeAll
    static void build() {
        resnet = ResNetStepExactness.resnet18();
    }

    @AfterAll
    static void close() {
        resnet.close();
    }

    @AfterEach
    void off() {
        resnet.sequence().setDiagnostics(Diagnostics.NONE);
    }

    @Test
    void offByDefault() {
        assertTrue(Diagnostics.fromSystemProperties().isEmpty(), "tests run without -Dmedfusion.diag.*");
        assertTrue(resnet.sequence().diagnostics().isEmpty());
    }

    @ParameterizedTest
    @CsvSource({"RECOMPUTE_TWICE,0", "RECOMPUTE_TWICE,2", "KEEP_ALIVE,1"})
    void knobsKeepTheStepExact(Diagnostics.Knob knob, int segment) {
        resnet.sequence().setDiagnostics(Diagnostics.of(knob, segment));
        VerificationResult r = Verifier.verify(resnet, 4, ResNetStepExactness.RES, 4, 7);
        ResNetStepExactness.assertEqualsPlain(r, knob + " on segment " + segment);
    }

    @Test
    void recomputeTwiceRunsTheSegmentForwardOnceMore() {
        assertEquals(2, forwardCallsOfSegmentZero(Diagnostics.NONE), "no-grad forward + one recompute");
        assertEquals(3, forwardCallsOfSegmentZero(Diagnostics.of(Diagnostics.Knob.RECOMPUTE_TWICE, 0)));
        assertEquals(2, forwardCallsOfSegmentZero(Diagnostics.of(Diagnostics.Knob.RECOMPUTE_TWICE, 1)),
                "a knob on another segment leaves segment 0 alone");
        assertEquals(3, forwardCallsOfSegmentZero(Diagnostics.parse(List.of("recompute-twice=0,1"))), "a list of segments");
    }

    @Test
    void knobValuesParseAsSegmentListsAndBadOnesAreOneLineErrors() {
        Diagnostics d = Diagnostics.parse(List.of("recompute-twice=1,0", "keep-alive=2"));
        assertEquals(List.of("recompute-twice=0,1", "keep-alive=2"), d.labels());
        assertEquals(List.of("-Dmedfusion.diag.recomputeTwice=0,1", "-Dmedfusion.diag.keepAlive=2"), d.jvmArgs());
        assertTrue(d.applies(Diagnostics.Knob.RECOMPUTE_TWICE, 1) && !d.applies(Diagnostics.Knob.RECOMPUTE_TWICE, 2));
        for (String bad : List.of("recompute-twice=0,0", "recompute-twice=-1", "recompute-twice=", "recompute-twice=0,x")) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Diagnostics.parse(List.of(bad)));
            assertTrue(e.getMessage().contains(bad) && e.getMessage().contains("comma-separated"), e.getMessage());
        }
    }

    /** Forward calls, in one checkpointed step (4 segments), of a counting block placed first in segment 0. */
    private static int forwardCallsOfSegmentZero(Diagnostics diagnostics) {
        AtomicInteger calls = new AtomicInteger();
        List<Block> blocks = new ArrayList<>();
        blocks.add(new LambdaBlock(in -> {
            calls.incrementAndGet();
            return new NDList(in.singletonOrThrow().mul(1f));
        }));
        blocks.addAll(resnet.blocks());
        CheckpointedSequence seq = new CheckpointedSequence(blocks, SplitPolicy.UNIFORM, 7);
        seq.enable(4);
        seq.setDiagnostics(diagnostics);
        assertTrue(seq.plan().ranges().get(0).end() > 1, "the counting block shares segment 0 with a real block");
        try (NDManager m = resnet.manager().newSubManager(); NDManager step = m.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            SequenceForward f = seq.forwardTraining(new ParameterStore(m, false), x, 0, step);
            NDArray loss;
            try (GradMode g = GradMode.enabled()) {
                loss = f.output().sum();
            }
            f.backward(loss);
        } finally {
            zeroGradients();
        }
        return calls.get();
    }

    @Test
    void keepAliveHoldsTheSegmentsActivationsUntilTheStepEnds() {
        assumeTrue(NativeHeap.isAvailable(), "needs mallinfo2 (glibc 2.33+)");
        long normal = freedAtStepEnd(Diagnostics.NONE);
        long kept = freedAtStepEnd(Diagnostics.of(Diagnostics.Knob.KEEP_ALIVE, 1));
        // segment 1 of ResNet-18 (uniform, 4 segments) at batch 4, 64 px saves several MiB of activations for backward;
        // with keep-alive they are still live after backward and are freed only when the step's manager closes
        assertTrue(kept - normal > 1 << 20, "keep-alive should leave the segment's activations live after backward: "
                + kept + " vs " + normal + " bytes freed when the step ends");
    }

    /**
     * Malloc in-use bytes right after a checkpointed backward (4 segments) minus those after the step's manager
     * closed: what the step still held at its end. A difference within one step, so the process's own drift of
     * malloc in-use bytes between steps (JIT, direct buffers freed by GC) cancels.
     */
    private static long freedAtStepEnd(Diagnostics diagnostics) {
        CheckpointedSequence seq = resnet.sequence();
        seq.enable(4);
        seq.setDiagnostics(diagnostics);
        try (NDManager m = resnet.manager().newSubManager()) {
            NDArray x = m.randomNormal(new Shape(4, 3, 64, 64));
            long afterBackward;
            try (NDManager step = m.newSubManager()) {
                SequenceForward f = seq.forwardTraining(new ParameterStore(m, false), x, 0, step);
                NDArray loss;
                try (GradMode g = GradMode.enabled()) {
                    loss = f.output().sum();
                }
                f.backward(loss);
                afterBackward = NativeHeap.inUseBytes();
            }
            return afterBackward - NativeHeap.inUseBytes();
        } finally {
            seq.disable();
            zeroGradients();
        }
    }

    private static void zeroGradients() {
        resnet.trainableParameters().forEach(p -> JniUtils.zeroGrad((PtNDArray) p.getArray()));
    }

    @Test
    void parsesRunOptionsAndNamesBadValues() {
        Diagnostics d = Diagnostics.parse(List.of("keep-alive=1", "recompute-twice=0"));
        assertEquals(List.of("recompute-twice=0", "keep-alive=1"), d.labels());
        assertEquals(List.of("-Dmedfusion.diag.recomputeTwice=0", "-Dmedfusion.diag.keepAlive=1"), d.jvmArgs());
        assertTrue(d.applies(Diagnostics.Knob.KEEP_ALIVE, 1));
        assertTrue(!d.applies(Diagnostics.Knob.KEEP_ALIVE, 0));
        assertTrue(Diagnostics.parse(List.of()).isEmpty());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Diagnostics.parse(List.of("slow=1")))
                .getMessage().contains("diagnostic knob must be one of recompute-twice, keep-alive, got 'slow'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Diagnostics.parse(List.of("keep-alive=-1")))
                .getMessage().contains("keep-alive=-1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Diagnostics.parse(List.of("keep-alive")))
                .getMessage().contains("<knob>=<segment index>"));
    }
}
