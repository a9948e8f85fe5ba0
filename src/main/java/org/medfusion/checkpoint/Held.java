package org.medfusion.checkpoint;

/**
 * What the engine holds during a step, by role, for a {@link StepRecorder}'s attribution. Each array is counted
 * once, by the bytes of its elements, while the engine holds it; views the engine makes of an array it already
 * counts (detached inputs share the storage of the boundary they come from) are not counted again. What autograd
 * saves inside a segment is not an array the engine holds: it is the measured total minus everything counted.
 */
public enum Held {
    /** Outputs of recomputed segments, kept until their segment's backward. */
    BOUNDARIES("boundaries"),
    /** Block outputs of the running segment, and the outputs of stored segments (kept with their graphs). */
    ACTIVATIONS("activations"),
    /** The gradient of the running segment's output, handed from the segment after it. */
    UPSTREAM_GRADIENT("upstream gradient"),
    /** The step's own input copies (the half-precision images under mixed precision). */
    STEP_INPUT("step input");

    private final String label;

    Held(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
