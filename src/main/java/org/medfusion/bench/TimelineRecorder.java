package org.medfusion.bench;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.medfusion.checkpoint.Held;
import org.medfusion.checkpoint.StepEvent;
import org.medfusion.checkpoint.StepRecorder;
import org.medfusion.results.Timeline;

/**
 * Records the memory timeline of one training step ({@link Timeline}): at every {@link StepEvent} the bytes in use and
 * the high-water mark since the event before from a {@link TimelineSource} (none: bytes not measured), the wall time
 * since the event before, and the element bytes of what the engine holds, by {@link Held} role.
 *
 * <p>It must not change the peak it measures, so everything it writes while the step runs is preallocated: primitive
 * arrays sized for {@code capacity} events (events beyond it are counted, not stored), and reading the source is a
 * native call that allocates nothing. The window high-water mark is the source's own second mark
 * ({@link AllocationCounter#windowPeak()}), so a memory probe's step peak keeps running through the recording.
 */
final class TimelineRecorder implements StepRecorder {

    private static final int ROLES = Held.values().length;

    private final TimelineSource source; // null: not measured
    private final StepStateBytes state;
    private final int capacity;
    private final StepEvent[] kinds;
    private final int[] blocks;
    private final int[] segments;
    private final long[] durations;
    private final long[] inUse;
    private final long[] windowPeaks;
    private final long[] reserved;
    private final long[] held;
    private final long[] holding = new long[ROLES];
    private int count;
    private int dropped;
    private long last;

    TimelineRecorder(TimelineSource source, StepStateBytes state, int capacity) {
        this.source = source;
        this.state = state;
        this.capacity = capacity;
        kinds = new StepEvent[capacity];
        blocks = new int[capacity];
        segments = new int[capacity];
        durations = new long[capacity];
        inUse = new long[capacity];
        windowPeaks = new long[capacity];
        reserved = new long[capacity];
        held = new long[capacity * ROLES];
    }

    /** Events a step of {@code blocks} blocks in {@code microBatches} micro-batches reports at most (with room to spare). */
    static int capacityFor(int blocks, int microBatches) {
        return microBatches * (4 * blocks + 16) + 16;
    }

    /** Starts a recording: forgets earlier events and opens the first window now. */
    void begin() {
        count = 0;
        dropped = 0;
        Arrays.fill(holding, 0);
        if (source != null) {
            source.resetWindow();
        }
        last = System.nanoTime();
    }

    @Override
    public void event(StepEvent event, int block, int segment) {
        long now = System.nanoTime();
        if (event == StepEvent.GRADIENT_ACCUMULATION) {
            Arrays.fill(holding, 0); // the micro-batch's manager closed: nothing the engine held survives it
        }
        if (count == capacity) {
            dropped++;
            last = System.nanoTime();
            return;
        }
        kinds[count] = event;
        blocks[count] = block;
        segments[count] = segment;
        durations[count] = now - last;
        if (source != null) {
            inUse[count] = source.current();
            windowPeaks[count] = source.windowPeak();
            Long r = source.reserved();
            reserved[count] = r == null ? -1 : r;
            source.resetWindow();
        }
        System.arraycopy(holding, 0, held, count * ROLES, ROLES);
        count++;
        last = System.nanoTime(); // the recording's own time is no event's
    }

    @Override
    public void hold(Held role, NDArray array) {
        holding[role.ordinal()] += StepStateBytes.of(array);
    }

    @Override
    public void release(Held role, NDArray array) {
        holding[role.ordinal()] -= StepStateBytes.of(array);
    }

    /** Events that did not fit the capacity (0 in a well-sized recorder). */
    int dropped() {
        return dropped;
    }

    /**
     * The recorded step as a timeline: bytes outside the step are what the first event's bytes in use hold beyond the
     * state and the engine's arrays; at every later event what remains beyond all categories is what autograd saved
     * (and workspace left allocated).
     */
    Timeline timeline() {
        if (count == 0) {
            throw new IllegalStateException("no event was recorded");
        }
        if (dropped > 0) {
            throw new IllegalStateException(dropped + " events beyond the recorder's capacity of " + capacity);
        }
        long stateBytes = state.parameters() + state.gradients() + state.optimizerState() + state.batch();
        Long outside = source == null ? null : inUse[0] - stateBytes - heldSum(0);
        List<Timeline.Event> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            List<Long> bytes = new ArrayList<>(Timeline.Category.values().length);
            for (Timeline.Category c : Timeline.Category.values()) {
                bytes.add(switch (c) {
                    case PARAMETERS -> state.parameters();
                    case GRADIENTS -> state.gradients();
                    case OPTIMIZER_STATE -> state.optimizerState();
                    case BATCH -> state.batch();
                    case OUTSIDE_STEP -> outside;
                    case STEP_INPUT -> held[i * ROLES + Held.STEP_INPUT.ordinal()];
                    case BOUNDARIES -> held[i * ROLES + Held.BOUNDARIES.ordinal()];
                    case ACTIVATIONS -> held[i * ROLES + Held.ACTIVATIONS.ordinal()];
                    case UPSTREAM_GRADIENT -> held[i * ROLES + Held.UPSTREAM_GRADIENT.ordinal()];
                    case SAVED_AND_WORKSPACE -> source == null ? null : inUse[i] - stateBytes - outside - heldSum(i);
                });
            }
            events.add(new Timeline.Event(i, kinds[i].label(), kinds[i].phase().label(), blocks[i], segments[i], durations[i],
                    source == null ? null : inUse[i], source == null ? null : windowPeaks[i],
                    source == null || reserved[i] < 0 ? null : reserved[i], bytes));
        }
        return new Timeline(source == null ? Timeline.NO_SOURCE : source.name(), events);
    }

    private long heldSum(int event) {
        long s = 0;
        for (int r = 0; r < ROLES; r++) {
            s += held[event * ROLES + r];
        }
        return s;
    }
}
