package org.medfusion.natives;

/**
 * What the preflight found on a machine, as cached in {@code <key>.json} (see {@link NativePreflight}).
 *
 * @param key cache key: hash of the CPU signature, the libtorch version and anything else that changes the native path
 * @param cpu the CPU signature in words ({@link CpuSignature#describe()})
 * @param libtorchVersion libtorch version the probe ran on
 * @param probe {@code pass} (no crash without a fallback), {@code crash} (the probe child died from a signal) or
 *     {@code failed} (the probe could not run: timeout or an exception; nothing is concluded)
 * @param detail what happened: the signal, the native frame from the hs_err file and the shape class running, or
 *     why the probe failed; {@code null} on pass
 * @param fallback the fallback to apply ({@link Fallback#id()}: {@code none}, {@code onednn-isa-avx}, {@code onednn-off})
 * @param usable false when the probe crashed and no in-process fallback passed (the engine cannot work here)
 * @param advice what a person can do when {@code usable} is false, else null
 * @param checkedAt ISO-8601 instant of the probe
 * @param probeMillis wall time of all probe children
 */
public record NativeVerdict(String key, String cpu, String libtorchVersion, String probe, String detail,
        String fallback, boolean usable, String advice, String checkedAt, long probeMillis) {

    public static final String PASS = "pass";
    public static final String CRASH = "crash";
    public static final String FAILED = "failed";

    /** The fallback as an enum. */
    public Fallback fallbackMode() {
        return Fallback.fromId(fallback);
    }

    /**
     * The one line for the console, the manifest and the report: {@code none}, or
     * {@code <what is disabled>: <reason>}, e.g. {@code oneDNN convolution disabled: <reason>}.
     */
    public String description() {
        if (fallbackMode() == Fallback.NONE) {
            return "none";
        }
        return fallbackMode().headline() + ": " + (detail == null ? "requested" : detail);
    }
}
