package org.medfusion.natives;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What the preflight concluded for a set of convolution shape classes on this machine (see {@link NativePreflight}).
 *
 * @param key cache key of the probe that decided (CPU signature, libtorch version, fallback, shape set)
 * @param cpu the CPU signature in words ({@link CpuSignature#describe()})
 * @param libtorchVersion libtorch version the probe ran on
 * @param probe what the probe of the shapes without a new fallback found
 * @param detail what happened: the signal, the native frame and the shape class running, or why the probe failed;
 *     null on pass
 * @param fallback the fallback to apply
 * @param usable false when the probe crashed (or computed wrong results) and no in-process fallback passed (the engine cannot work here)
 * @param advice what a person can do when {@code usable} is false, else null
 * @param shapes how many convolution shape classes the verdict covers
 * @param checkedAt ISO-8601 instant of the probe
 * @param probeMillis wall time of the probe children (0 when every answer came from the cache)
 */
public record NativeVerdict(String key, String cpu, String libtorchVersion, Probe probe, String detail, Fallback fallback,
        boolean usable, String advice, int shapes, String checkedAt, long probeMillis) {

    /** What a probe found. */
    public enum Probe {
        /** No crash without a (new) fallback. */
        PASS,
        /** The probe child died from a signal. */
        CRASH,
        /** The probe child ran but oneDNN's results differ from the reference kernels': as unusable as a crash. */
        WRONG_RESULTS,
        /** The probe could not run (timeout, an exception): nothing is concluded. */
        FAILED,
        /** Nothing probed: the fallback was set with {@code -Dmedfusion.onednn}, or no convolution is covered yet. */
        NOT_RUN;

        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }

        @JsonCreator
        public static Probe fromLabel(String label) {
            return valueOf(label.toUpperCase(Locale.ROOT).replace(' ', '_'));
        }

        /** A finding a stronger fallback can avoid (a crash or wrong results), unlike {@link #FAILED}. */
        public boolean avoidable() {
            return this == CRASH || this == WRONG_RESULTS;
        }
    }

    /**
     * The one line for the console, the manifest and the report: {@code none}, or
     * {@code <what is disabled>: <reason>}, e.g. {@code oneDNN convolution disabled: <reason>}.
     */
    public String description() {
        if (fallback == Fallback.NONE) {
            return "none";
        }
        return fallback.headline() + ": " + (detail == null ? "requested" : detail);
    }
}
