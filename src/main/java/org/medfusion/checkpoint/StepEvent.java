package org.medfusion.checkpoint;

/**
 * The moments of one training step at which the engine reports to a {@link StepRecorder}, each after the work it
 * names has returned. libtorch's autograd runs a segment's backward in one native call, so the backward is seen per
 * segment (its block range), not per block: the high-water mark recorded with {@link #BACKWARD} covers the whole of it.
 */
public enum StepEvent {
    /** Before the step's first forward: what the step starts from. */
    STEP_START("step start", Phase.FORWARD),
    /** Block i ran forward with grad (a plain step, or a stored segment). */
    FORWARD("forward", Phase.FORWARD),
    /** Block i ran forward with grad off, inside a recomputed segment. */
    FORWARD_NO_GRAD("forward no-grad", Phase.FORWARD),
    /** A recomputed segment's output is kept as a boundary (its activations are gone). */
    BOUNDARY_KEPT("boundary kept", Phase.FORWARD),
    /** The loss of a micro-batch is computed. */
    LOSS("loss", Phase.FORWARD),
    /** A recomputed segment is about to run again with grad (its buffers snapshotted). */
    RECOMPUTE_START("recompute start", Phase.RECOMPUTE),
    /** Block i ran forward with grad again, inside a segment's recompute. */
    RECOMPUTE_FORWARD("recompute forward", Phase.RECOMPUTE),
    /** A segment's recompute finished (all its blocks ran again). */
    RECOMPUTE_END("recompute end", Phase.RECOMPUTE),
    /** A segment (the whole model for a plain step) was back-propagated. */
    BACKWARD("backward", Phase.BACKWARD),
    /**
     * A micro-batch's gradients are accumulated into the parameters' and its step manager closed: every array the
     * engine held for it is freed (segment: the micro-batch's index).
     */
    GRADIENT_ACCUMULATION("gradient accumulation", Phase.BACKWARD),
    /** The optimizer updated every parameter and zeroed the gradients. */
    OPTIMIZER_UPDATE("optimizer update", Phase.UPDATE);

    /** The part of the step an event belongs to, for shading a timeline. */
    public enum Phase {
        FORWARD, RECOMPUTE, BACKWARD, UPDATE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final String label;
    private final Phase phase;

    StepEvent(String label, Phase phase) {
        this.label = label;
        this.phase = phase;
    }

    /** {@code recompute forward}, as the timeline and the report print it. */
    public String label() {
        return label;
    }

    public Phase phase() {
        return phase;
    }
}
