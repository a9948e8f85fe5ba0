package org.medfusion.checkpoint;

import ai.djl.ndarray.NDArray;

/**
 * Receives the events of a training step ({@link StepEvent}) from the engine ({@link CheckpointedSequence}) and the
 * training step, and what the engine holds ({@link #hold}/{@link #release}). {@link #OFF}, the default, does nothing
 * and allocates nothing: a step without a timeline pays one interface call per event.
 */
public interface StepRecorder {

    /** The recorder of every step without a timeline. */
    StepRecorder OFF = new StepRecorder() {
        @Override
        public void event(StepEvent event, int block, int segment) {
        }

        @Override
        public void hold(Held role, NDArray array) {
        }

        @Override
        public void release(Held role, NDArray array) {
        }
    };

    /**
     * The work {@code event} names has just returned.
     *
     * @param block the block it concerns (for a segment event: the segment's last block), -1 when none
     * @param segment the segment it concerns, -1 when none (a plain step's blocks are in segment 0)
     */
    void event(StepEvent event, int block, int segment);

    /** The engine now holds {@code array} in {@code role}. */
    void hold(Held role, NDArray array);

    /** The engine no longer holds {@code array} (it was held in {@code role}). */
    void release(Held role, NDArray array);

    /** Moves an array the engine keeps from one role to another (a segment's output becoming a boundary). */
    default void move(NDArray array, Held from, Held to) {
        release(from, array);
        hold(to, array);
    }
}
