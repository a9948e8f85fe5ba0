package org.medfusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The recompute benchmark's work ({@link CheckpointedSequence#forwardRecomputedSegments}) is each recomputed
 * segment's forward from its input, and nothing else: a stored segment before a recomputed one runs once, while its
 * inputs are prepared ({@link CheckpointedSequence#recomputeInputs}), not in the timed work. The planner's predicted
 * recompute time is compared with this figure.
 */
class RecomputedForwardTest {

    @Test
    void onlyTheRecomputedSegmentsRunFromTheirInputs() {
        int[] calls = new int[4];
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int b = i;
            blocks.add(new LambdaBlock(in -> {
                calls[b]++;
                return new NDList(in.singletonOrThrow().mul(2));
            }));
        }
        // [0,1) recomputed, [1,2) stored, [2,3) recomputed, [3,4) stored (the last)
        SegmentPlan plan = CheckpointExactnessTest.mixed(4, "rsrs");
        CheckpointedSequence seq = new CheckpointedSequence(blocks, SplitPolicy.fixed(plan), 1);
        seq.enable(4, SplitPolicy.fixed(plan));
        try (NDManager m = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            NDArray x = m.create(new float[] {1.5f, -1f});
            List<NDArray> inputs = seq.recomputeInputs(ps, x, 0, m);
            assertEquals(2, inputs.size(), "one input per recomputed segment");
            assertArrayEquals(new int[] {1, 1, 0, 0}, calls, "the inputs: one forward up to the last recomputed segment");
            assertArrayEquals(new float[] {6f, -4f}, inputs.get(1).toFloatArray(), "segment 2 starts from block 1's output");
            float sum = seq.forwardRecomputedSegments(ps, inputs, 0, m);
            assertArrayEquals(new int[] {2, 1, 1, 0}, calls, "blocks 0 and 2 recomputed; the stored segments not run again");
            assertEquals(1.5f * 2 + 1.5f * 8, sum, 1e-6f, "each recomputed segment's first output value");
            assertEquals(2, inputs.size());
            seq.forwardRecomputedSegments(ps, inputs, 0, m);
            assertArrayEquals(new int[] {3, 1, 2, 0}, calls, "repeatable from the same inputs");
        }
    }

    @Test
    void aPlanThatRecomputesNothingHasNoRecompute() {
        List<Block> blocks = List.of(new LambdaBlock(in -> in), new LambdaBlock(in -> in));
        CheckpointedSequence seq = new CheckpointedSequence(blocks, SplitPolicy.fixed(CheckpointExactnessTest.mixed(2, "ss")), 1);
        seq.enable(2, SplitPolicy.fixed(CheckpointExactnessTest.mixed(2, "ss")));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1f});
            assertThrows(IllegalStateException.class, () -> seq.recomputeInputs(new ParameterStore(m, false), x, 0, m));
        }
    }
}
