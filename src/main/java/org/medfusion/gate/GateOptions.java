package org.medfusion.gate;

/**
 * The thresholds of {@link RegressionGate}, in percent except the memory floor. The defaults are here once, as the
 * strings the {@code gate} command's options default to.
 *
 * @param memoryTolerancePct allowed growth of a peak (relative); peaks reproduce within about 1% run to run
 * @param memoryFloorBytes allowed growth of a peak in bytes: a peak fails only when it grew beyond both the tolerance
 *     and this floor. On CPU the peak is the process's resident growth, which includes about a MiB of the JVM's own
 *     that moves from fork to fork; on a 25 MiB peak that alone is several percent
 * @param savingTolerancePct allowed loss of a checkpointed cell's saving, in percentage points of its plain peak
 *     (a saving is a difference of two peaks, each repeating within 1%, so about 1.5 points of noise; points rather
 *     than a relative change, so a near-zero saving does not turn noise into a huge relative loss)
 * @param ratioEffectPct minimum growth of the checkpointed/plain step-time ratio that counts as a slowdown
 * @param timeEffectPct minimum growth of an absolute step time that counts (only gated when environments match)
 * @param alpha significance level of the one-sided Mann-Whitney U test on step-time samples
 * @param allowConfigChange compare runs of different configs (hashes) instead of refusing
 * @param gateAbsoluteTime gate absolute step times when the environments match (off: report them only)
 */
public record GateOptions(double memoryTolerancePct, long memoryFloorBytes, double savingTolerancePct, double ratioEffectPct,
        double timeEffectPct, double alpha, boolean allowConfigChange, boolean gateAbsoluteTime) {

    public static final String MEMORY_TOLERANCE_PCT = "2";
    public static final String MEMORY_FLOOR = "2MiB";
    public static final String SAVING_TOLERANCE_POINTS = "3";
    public static final String RATIO_EFFECT_PCT = "5";
    public static final String TIME_EFFECT_PCT = "10";
    public static final String ALPHA = "0.01";

    /**
     * Defaults: 2% memory and 2 MiB (peaks reproduce within 1%; in three idle zoo-cpu runs of one build, b4 64 px, the
     * peaks of 25-50 MiB moved by up to 1.4 MiB: efficientnet_v2_s plain 48.8 / 49.5 / 50.2 MiB, mobilenet_v3_large
     * 24.9 / 25.0 / 25.7 MiB), 3 points of saving, a 5% ratio effect with p < 0.01, a 10%
     * absolute-time effect. A 10% slowdown of a checkpointed step is twice the 5% ratio threshold, and with 15 paired
     * ratios per side at a few percent noise it gives p far below 0.01 (measured: +10.0% to +13.7% caught 5 of 5 with
     * p <= 5.3e-5, A/A pairs moved the ratio by -1.2% to +2.0%). Absolute medians of one build moved by up to 8% between
     * A/A runs on the idle CI VM (whole-run speed; the ratio cancels it), so their threshold is 10%.
     */
    public static GateOptions defaults() {
        return new GateOptions(Double.parseDouble(MEMORY_TOLERANCE_PCT), memoryFloor(MEMORY_FLOOR),
                Double.parseDouble(SAVING_TOLERANCE_POINTS), Double.parseDouble(RATIO_EFFECT_PCT),
                Double.parseDouble(TIME_EFFECT_PCT), Double.parseDouble(ALPHA), false, true);
    }

    /** A memory floor as given on the command line ({@code 2MiB}, {@code 0}, bytes). */
    public static long memoryFloor(String text) {
        return org.medfusion.platform.ByteSize.parse("--memory-floor", text, 0);
    }

    /** @throws IllegalArgumentException (a usage error) for a NaN, infinite or negative threshold or alpha outside (0, 1) */
    public GateOptions {
        check("--memory-tolerance", memoryTolerancePct);
        if (memoryFloorBytes < 0) {
            throw new IllegalArgumentException("--memory-floor must be >= 0 bytes, got " + memoryFloorBytes);
        }
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
