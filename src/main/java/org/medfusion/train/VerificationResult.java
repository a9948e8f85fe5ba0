package org.medfusion.train;

import java.util.List;

/**
 * Plain versus checkpointed training step from the same weights and input.
 *
 * @param maxRelGradError max over parameters of max|g_plain - g_ckpt| / max|g_plain|
 * @param bnMaxAbsDiff max |buffer after plain step - buffer after checkpointed step| (BatchNorm
 *     running statistics; 0 when they were updated exactly once in both)
 * @param buffersUpdated whether the plain step changed the buffers at all (false for models without BN)
 * @param paramsWithoutGrad parameters whose checkpointed gradient is entirely zero
 * @param paramsWithoutGradPlain the same for the plain step; the two differ only if checkpointing
 *     lost a gradient (stochastic depth can legitimately drop a whole branch in both)
 * @param stepMsPlain forward + loss + backward time of the plain step (one step, indicative only)
 */
public record VerificationResult(String model, int batch, int res, int segments, double lossPlain,
        double lossCheckpointed, double maxRelGradError, double bnMaxAbsDiff, boolean buffersUpdated,
        List<String> paramsWithoutGrad, List<String> paramsWithoutGradPlain, double stepMsPlain, double stepMsCheckpointed) {

    /** Relative tolerance on loss and gradients (CPU fp32: the bound). */
    public static final double REL_TOLERANCE = 1e-6;
    /** Absolute tolerance on BatchNorm running statistics. */
    public static final double BN_TOLERANCE = 1e-6;

    public double lossRelDiff() {
        return Math.abs(lossPlain - lossCheckpointed) / Math.max(Math.abs(lossPlain), 1e-12);
    }

    /**
     * True when loss, gradients and buffers agree within tolerance and checkpointing lost no
     * gradient (every parameter with a plain gradient has a checkpointed one).
     */
    public boolean agrees() {
        return agrees(REL_TOLERANCE);
    }

    /**
     * As {@link #agrees()} with a relative tolerance of {@code relTolerance} on loss and gradients and
     * an absolute one of {@code max(relTolerance, BN_TOLERANCE)} on the BatchNorm buffers. On a GPU,
     * plain and checkpointed steps are not bit-identical (cuDNN picks non-deterministic backward
     * kernels with atomic adds, and TF32 convolutions by default), so {@code verify --device gpu}
     * compares within a looser, stated tolerance.
     */
    public boolean agrees(double relTolerance) {
        return lossRelDiff() <= relTolerance && maxRelGradError <= relTolerance
                && bnMaxAbsDiff <= Math.max(relTolerance, BN_TOLERANCE) && paramsWithoutGrad.equals(paramsWithoutGradPlain)
                && Double.isFinite(lossPlain) && Double.isFinite(lossCheckpointed);
    }
}
