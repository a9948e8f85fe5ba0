package org.medfusion.gate;

/**
 * The thresholds of {@link RegressionGate}, all in percent.
 *
 * @param memoryTolerancePct allowed growth of a peak (relative); peaks reproduce within about 1% run to run
 * @param savingTolerancePct allowed loss of a checkpointed cell's saving, in percentage points of its plain peak
 *     (a saving is a difference of two peaks, each repeating within 1%, so about 1.5 points of noise; points rather
 *     than a relative change, so a near-zero saving does not turn noise into a huge relative loss)
 * @param ratioEffectPct minimum growth of the checkpointed/plain step-time ratio that counts as a slowdown
 * @param timeEffectPct minimum growth of an absolute step time that counts (only gated when environments match)
 * @param alpha significance level of the one-sided Mann-Whitney U test on step-time samples
 * @param allowConfigChange compare runs of different configs (hashes) instead of refusing
 * @param gateAbsoluteTime gate absolute step times when the environments match (off: report them only)
 */
public record GateOptions(double memoryTolerancePct, double savingTolerancePct, double ratioEffectPct,
        double timeEffectPct, double alpha, boolean allowConfigChange, boolean gateAbsoluteTime) {

    /**
     * Defaults: 2% memory (peaks reproduce within 1%), 3 points of saving, 5% time effect with p < 0.01. A 10% slowdown
     * of a checkpointed step is twice the 5% effect threshold, so the median of a run with a few percent noise stays
     * above it, and with 10-15 samples per side a 10% shift at CV <= 5% gives p far below 0.01; an A/A pair must
     * both shift by 5% in the median and separate in rank to fail, which noise alone rarely does.
     */
    public static GateOptions defaults() {
        return new GateOptions(2, 3, 5, 5, 0.01, false, true);
    }

    /** @throws IllegalArgumentException (a usage error) for a NaN, infinite or negative threshold or alpha outside (0, 1) */
    public GateOptions {
        check("--memory-tolerance", memoryTolerancePct);
        check("--saving-tolerance", savingTolerancePct); // percentage points
        check("--ratio-effect", ratioEffectPct);
        check("--time-effect (--time-tolerance)", timeEffectPct);
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("--alpha must be between 0 and 1 (exclusive), got " + alpha);
        }
    }

    private static void check(String option, double v) {
        if (!Double.isFinite(v) || v < 0) {
            throw new IllegalArgumentException(option + " must be a finite number of percent >= 0, got " + v);
        }
    }
}
