package org.medfusion.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.checkpoint.SplitPolicy;
import org.medfusion.checkpoint.StepRecorder;
import org.medfusion.planner.BlockProfile;
import org.medfusion.planner.MemoryModel;
import org.medfusion.planner.SegmentPlanner;
import org.medfusion.planner.TimelinePrediction;
import org.medfusion.results.Timeline;
import org.medfusion.results.Timeline.Category;
import org.medfusion.train.OptimizerConfig;
import org.medfusion.train.SyntheticBatch;
import org.medfusion.train.TrainingStep;

/**
 * The engine reports a training step's events in the order its plan implies, and what it holds by the element bytes
 * of the arrays it holds: ResNet-18, batch 2, 32 px, one step per plan (plain, uniform, an optimal plan of the memory
 * model, a plan with a stored segment before a recomputed one), and the planner's predicted timeline of each plan finds
 * the engine's events. In this JVM no allocation counter is preloaded, so the
 * timeline's bytes in use are missing (said, not invented); {@link TimelineChildTest} measures them.
 */
class StepTimelineTest {

    private static final int BATCH = 2;
    private static Backbone backbone;
    private static TrainingStep step;
    private static NDManager data;
    private static NDArray images;
    private static NDArray labels;

    @BeforeAll
    static void setUp() {
        backbone = BackboneRegistry.create("resnet18", BackboneOptions.defaults().withImageSize(32));
        data = backbone.manager().newSubManager();
        SyntheticBatch b = SyntheticBatch.create(data, BATCH, 32, backbone.options().outputDim(), 42);
        images = b.images();
        labels = b.labels();
        step = new TrainingStep(backbone, OptimizerConfig.adamW(), 1, backbone.manager());
        step.step(images, labels); // gradients and optimizer state exist from here on
    }

    @AfterAll
    static void tearDown() {
        data.close();
        backbone.close();
    }

    private static Timeline record(SegmentPlan plan) {
        if (plan == null) {
            backbone.disableGradientCheckpointing();
        } else {
            backbone.sequence().enable(plan.segmentCount(), SplitPolicy.fixed(plan));
        }
        StepStateBytes state = StepStateBytes.measure(backbone.blocks(), step.optimizer(), List.of(images, labels));
        TimelineRecorder rec = new TimelineRecorder(null, state, TimelineRecorder.capacityFor(backbone.blockCount(), 1));
        backbone.sequence().setRecorder(rec);
        step.setRecorder(rec);
        try {
            rec.begin();
            step.step(images, labels);
        } finally {
            backbone.sequence().setRecorder(StepRecorder.OFF);
            step.setRecorder(StepRecorder.OFF);
        }
        return rec.timeline();
    }

    /** The events a plan implies, as {@code kind/block/segment}, derived from the plan alone (not from the engine). */
    static List<String> expected(SegmentPlan plan, int blocks) {
        List<String> e = new ArrayList<>(List.of("step start/-1/-1"));
        if (plan == null) {
            for (int i = 0; i < blocks; i++) {
                e.add("forward/" + i + "/0");
            }
            e.add("loss/-1/-1");
            e.add("backward/" + (blocks - 1) + "/0");
        } else {
            List<SegmentPlan.Range> rs = plan.ranges();
            for (int k = 0; k < rs.size(); k++) {
                for (int i = rs.get(k).start(); i < rs.get(k).end(); i++) {
                    e.add((plan.isRecomputed(k) ? "forward no-grad/" : "forward/") + i + "/" + k);
                }
                if (plan.isRecomputed(k)) {
                    e.add("boundary kept/" + (rs.get(k).end() - 1) + "/" + k);
                }
            }
            e.add("loss/-1/-1");
            int last = rs.size() - 1;
            e.add("backward/" + (rs.get(last).end() - 1) + "/" + last);
            for (int k = last - 1; k >= 0; k--) {
                SegmentPlan.Range r = rs.get(k);
                if (plan.isRecomputed(k)) {
                    e.add("recompute start/" + r.start() + "/" + k);
                    for (int i = r.start(); i < r.end(); i++) {
                        e.add("recompute forward/" + i + "/" + k);
                    }
                    e.add("recompute end/" + (r.end() - 1) + "/" + k);
                }
                e.add("backward/" + (r.end() - 1) + "/" + k);
            }
        }
        e.add("gradient accumulation/-1/0");
        e.add("optimizer update/-1/-1");
        return e;
    }

    private static List<String> actual(Timeline t) {
        return t.events().stream().map(e -> e.kind() + "/" + e.block() + "/" + e.segment()).toList();
    }

    private static long held(Timeline.Event e, Category c) {
        return e.bytes(c);
    }

    /** Invariants of what the engine holds, whatever the plan. */
    private static void checkHeld(Timeline t, SegmentPlan plan) {
        List<Timeline.Event> ev = t.events();
        for (int i = 1; i < ev.size(); i++) {
            Timeline.Event e = ev.get(i);
            Timeline.Event prev = ev.get(i - 1);
            for (Category c : List.of(Category.BOUNDARIES, Category.ACTIVATIONS, Category.UPSTREAM_GRADIENT)) {
                assertTrue(held(e, c) >= 0, c + " negative at " + e.describe());
            }
            if (e.kind().equals("boundary kept")) {
                // the segment's last output moves from activations to boundaries, byte for byte
                long moved = held(e, Category.BOUNDARIES) - held(prev, Category.BOUNDARIES);
                assertTrue(moved > 0, "a boundary has bytes: " + e.describe());
                assertEquals(held(prev, Category.ACTIVATIONS) - held(e, Category.ACTIVATIONS), moved, e.describe());
            }
            if (e.kind().equals("recompute start")) {
                // the segment's boundary is released and the gradient of that output is held: same shape, same bytes
                long released = held(prev, Category.BOUNDARIES) - held(e, Category.BOUNDARIES);
                assertEquals(released, held(e, Category.UPSTREAM_GRADIENT), "upstream gradient vs released boundary at " + e.describe());
            }
        }
        Timeline.Event loss = ev.stream().filter(e -> e.kind().equals("loss")).findFirst().orElseThrow();
        Timeline.Event lastBackward = ev.get(ev.size() - 3);
        assertEquals("backward", lastBackward.kind());
        assertEquals(0, held(lastBackward, Category.BOUNDARIES), "every boundary is released by the last backward");
        Timeline.Event accumulation = ev.get(ev.size() - 2);
        for (Category c : List.of(Category.BOUNDARIES, Category.ACTIVATIONS, Category.UPSTREAM_GRADIENT, Category.STEP_INPUT)) {
            assertEquals(0, held(accumulation, c), c + " after the micro-batch's manager closed");
        }
        if (plan == null || plan.recomputesNothing()) {
            assertEquals(0, held(loss, Category.BOUNDARIES));
        }
        if (plan == null) {
            // a plain step holds only the logits at the loss: batch x 1000 classes x 4 bytes
            assertEquals(BATCH * 1000L * 4, held(loss, Category.ACTIVATIONS));
        }
    }

    private static void checkStepState(Timeline t) {
        Timeline.Event first = t.events().get(0);
        long params = backbone.parameterCount() + backbone.bufferCount();
        assertEquals(params * 4, first.bytes(Category.PARAMETERS), "fp32 parameters and buffers");
        assertEquals(backbone.parameterCount() * 4, first.bytes(Category.GRADIENTS), "one fp32 gradient per trainable parameter");
        assertEquals(backbone.parameterCount() * 8, first.bytes(Category.OPTIMIZER_STATE), "AdamW: two fp32 moments per parameter");
        assertFalse(t.measured(), "no allocation counter in the test JVM");
        assertNull(first.inUseBytes(), "bytes in use missing, not invented");
        assertNull(first.bytes(Category.SAVED_AND_WORKSPACE));
        assertTrue(t.sentence().startsWith("memory not measured"), t.sentence());
    }

    /** A made-up profile of the backbone's blocks: early blocks have large outputs, as in a CNN. */
    private static MemoryModel syntheticModel() {
        List<BlockProfile> profile = new ArrayList<>();
        for (int i = 0; i < backbone.blockCount(); i++) {
            long out = (10 - i) * 1000L;
            profile.add(new BlockProfile(i, "b" + i, out, 3 * out, 4 * out, 2 * out, 5 * out, 1, 1, 2));
        }
        return new MemoryModel(profile);
    }

    /**
     * The planner's predicted timeline lands on the engine's events: every event the model has a figure for finds its
     * recorded event (same kind, block and segment), and the largest prediction is the model's predicted step peak.
     */
    private static Timeline checkPrediction(Timeline t, SegmentPlan plan) {
        MemoryModel model = syntheticModel();
        SegmentPlan ran = plan != null ? plan : SegmentPlan.of(List.of(new SegmentPlan.Range(0, backbone.blockCount())));
        Timeline predicted = TimelinePrediction.annotate(t, model, plan);
        long matched = predicted.events().stream().filter(e -> e.predictedPeakAboveStartBytes() != null).count();
        assertEquals(model.timeline(ran).size(), matched, "predicted events that found their recorded event");
        for (Timeline.Event e : predicted.events()) {
            boolean modelled = !List.of("step start", "loss", "gradient accumulation").contains(e.kind());
            assertEquals(modelled, e.predictedPeakAboveStartBytes() != null, "prediction at " + e.describe());
        }
        assertEquals(model.predict(ran).peakBytes(), predicted.predictedPeakEvent().predictedPeakAboveStartBytes());
        return predicted;
    }

    private static void check(SegmentPlan plan) {
        Timeline t = checkPrediction(record(plan), plan);
        assertEquals(expected(plan, backbone.blockCount()), actual(t), "events of " + (plan == null ? "plain" : plan.spec()));
        checkHeld(t, plan);
        checkStepState(t);
        Timeline back = Timeline.read(t.write(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "step-timeline-test-"
                + ProcessHandle.current().pid() + ".csv")));
        assertEquals(t, back, "timeline.csv round-trips");
    }

    @Test
    void plainStep() {
        check(null);
    }

    @Test
    void uniformFourSegments() {
        check(SegmentPlan.uniform(backbone.blockCount(), 4));
    }

    @Test
    void optimalPlanOfTheMemoryModel() {
        SegmentPlan optimal = new SegmentPlanner(syntheticModel()).leastPeak(4).plan();
        assertFalse(optimal.equals(SegmentPlan.uniform(backbone.blockCount(), 4)), "the test needs a non-uniform optimal plan: " + optimal);
        check(optimal);
    }

    @Test
    void storedSegmentBeforeRecomputedOne() {
        check(SegmentPlan.parse("0-3r,3-6s,6-8r,8-10s"));
    }
}
