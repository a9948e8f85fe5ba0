package org.medfusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Timeline off costs nothing: the engine's default recorder is {@link StepRecorder#OFF}, whose calls allocate nothing. */
class StepRecorderOffTest {

    @Test
    void engineDefaultsToOff() {
        CheckpointedSequence s = new CheckpointedSequence(List.of(ai.djl.nn.core.Linear.builder().setUnits(1).build()), SplitPolicy.UNIFORM, 1);
        assertSame(StepRecorder.OFF, s.recorder());
        s.setRecorder(null);
        assertSame(StepRecorder.OFF, s.recorder());
    }

    @Test
    void offRecorderAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM does not count a thread's allocations");
        threads.setThreadAllocatedMemoryEnabled(true);
        StepRecorder off = StepRecorder.OFF;
        StepEvent[] events = StepEvent.values();
        long tid = Thread.currentThread().getId();
        for (int round = 0; round < 3; round++) { // the first rounds warm up the JIT
            long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 1_000_000; i++) {
                off.event(events[i % events.length], i, i & 7);
                off.hold(Held.ACTIVATIONS, null);
                off.release(Held.BOUNDARIES, null);
                off.move(null, Held.ACTIVATIONS, Held.BOUNDARIES);
            }
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            if (round == 2) {
                // the counter's own read allocates nothing either; a few dozen bytes of slack for the JVM's bookkeeping
                assertEquals(0, allocated, 64, "four million calls of the off recorder allocated " + allocated + " bytes");
            }
        }
    }
}
