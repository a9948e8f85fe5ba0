package org.medfusion.gate;

/**
 * The one rule for "this peak grew": by more than a relative tolerance and by more than an absolute floor. Used by the
 * gate's memory-peak check and the history site's regression marks.
 *
 * <p>Why both: a relative tolerance alone flags the smallest cells on noise. On CPU a peak is the process's resident
 * growth during a step, which carries about a MiB of the JVM's own that moves from fork to fork: idle re-runs of one
 * build moved 25-50 MiB peaks by up to 1.4 MiB (3 %), 250 MiB peaks by under 1 %.
 */
public final class PeakGrowth {

    private PeakGrowth() {
    }

    /** Whether {@code after} exceeds {@code before} by more than {@code tolerancePct} % and more than {@code floorBytes}. */
    public static boolean regressed(long before, long after, double tolerancePct, long floorBytes) {
        return after - before > floorBytes && after > before * (1.0 + tolerancePct / 100.0);
    }
}
