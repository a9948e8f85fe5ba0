package org.medfusion.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The profile's forward times come from passes over the whole chain: every block runs on the previous block's output,
 * with and without grad, in every pass, and each block's time is its own (a block that takes 30 ms is the one that
 * reads 30 ms, its neighbours do not).
 */
class ChainForwardTimesTest {

    private static Block identity(AtomicInteger calls, long sleepMs) {
        return new LambdaBlock(list -> {
            calls.incrementAndGet();
            if (sleepMs > 0) {
                try {
                    Thread.sleep(sleepMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new NDList(list.singletonOrThrow().add(1));
        });
    }

    @Test
    void eachBlockGetsItsOwnTimeOverEveryPass() {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger slow = new AtomicInteger();
        AtomicInteger last = new AtomicInteger();
        List<Block> blocks = List.of(identity(first, 0), identity(slow, 30), identity(last, 0));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray images = m.zeros(new ai.djl.ndarray.types.Shape(2, 3));
            double[][] t = Profiler.chainForwardTimes(blocks, new ParameterStore(m, false), images, m);
            int passes = 2 * (Profiler.CHAIN_WARMUP_PASSES + Profiler.CHAIN_PASSES); // with grad and without
            assertEquals(List.of(passes, passes, passes), List.of(first.get(), slow.get(), last.get()));
            for (double[] kind : t) {
                assertTrue(kind[1] >= 30, Arrays.toString(kind));
                assertTrue(kind[0] < kind[1] && kind[2] < kind[1], "only the sleeping block is slow: " + Arrays.toString(kind));
            }
            assertEquals(0f, images.sum().getFloat(), "the input is not modified by the passes");
        }
    }
}
