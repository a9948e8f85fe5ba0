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
     * Defaults: 2% memory (peaks reproduce within 1%), 3 points of saving, a 5% ratio effect with p < 0.01, a 10%
     * absolute-time effect. A 10% slowdown of a checkpointed step is twice the 5% ratio threshold, and with 15 paired
     * ratios per side at a few percent noise it gives p far below 0.01 (measured: +10.0% to +13.7% caught 5 of 5 with
     * p <= 5.3e-5, A/A pairs moved the ratio by -1.2% to +2.0%). Absolute medians of one build moved by up to 8% between
     * A/A runs on the idle CI VM (whole-run speed; the ratio cancels it), so their threshold is 10%.
     */
    public static GateOptions defaults() {
        return new GateOptions(2, 3, 5, 10, 0.01, false, true);
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
