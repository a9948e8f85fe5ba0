package org.medfusion.natives;

import ai.djl.engine.Engine;
import java.time.Instant;

/**
 * The one place where a process loads the PyTorch engine and makes it safe to use: every engine-loading path
 * (CLI commands, JMH forks in {@code TrainingCell}, the test JVM through a JUnit launcher listener) calls
 * {@link #ensureEngine()} first. It loads libtorch, decides the native fallback and applies it, once per process.
 *
 * <p>The decision comes from {@code -Dmedfusion.onednn}: {@code avx} caps oneDNN at AVX, {@code off} switches oneDNN
 * off, {@code on} applies no fallback, and {@code auto} (the default) asks the {@link NativePreflight} (a cached verdict, or a probe of a few
 * seconds in a child JVM). The parent passes its decision to JMH forks as {@link #forkJvmArg()}, so a fork never
 * probes again and always runs like its parent.
 */
public final class Natives {

    /** {@code on}, {@code avx}, {@code off} or {@code auto}. */
    public static final String PROPERTY = "medfusion.onednn";

    private static volatile Decision decision;

    /** What this process applied and why. */
    public record Decision(NativeVerdict verdict, NativePreflight.Outcome outcome) {

        /** {@code none} or {@code oneDNN convolution disabled: <reason>}. */
        public String description() {
            return verdict.description();
        }

        public boolean fallbackApplied() {
            return verdict.fallbackMode() != Fallback.NONE;
        }

        /** The line printed at the start of a run. */
        public String consoleLine() {
            if (outcome != null && NativeVerdict.FAILED.equals(verdict.probe())) {
                return "native preflight: the probe could not run, no fallback applied: " + verdict.detail();
            }
            return fallbackApplied() ? "native fallback: " + description()
                    : "native preflight: ok, no fallback (" + (outcome == null ? "set by -D" + PROPERTY : verdict.probe()
                            + (outcome.fresh() ? ", probed now" : ", cached")) + ")";
        }
    }

    private Natives() {
    }

    /**
     * Loads the PyTorch engine and applies the native fallback this machine needs (idempotent, thread-safe).
     *
     * @throws EngineUnavailableException when libtorch cannot be loaded, or crashes here and no fallback helps
     */
    public static Decision ensureEngine() {
        Decision d = decision;
        if (d != null) {
            return d;
        }
        synchronized (Natives.class) {
            if (decision == null) {
                decision = decide();
            }
            return decision;
        }
    }

    /** The decision of this process, or null when {@link #ensureEngine()} has not run. */
    public static Decision current() {
        return decision;
    }

    /** For the environment manifest: the applied fallback's description, {@code none} before a decision. */
    public static String fallbackDescription() {
        Decision d = decision;
        return d == null ? "none" : d.description();
    }

    /** The JVM argument that makes a JMH fork apply exactly this process's decision without probing. */
    public static String forkJvmArg() {
        Decision d = decision;
        String mode = d == null ? System.getProperty(PROPERTY, "auto") : switch (d.verdict().fallbackMode()) {
            case NONE -> "on";
            case ISA_AVX -> "avx";
            case ONEDNN_OFF -> "off";
        };
        return "-D" + PROPERTY + "=" + mode;
    }

    private static Decision decide() {
        String version = loadEngine();
        String mode = System.getProperty(PROPERTY, "auto").trim().toLowerCase(java.util.Locale.ROOT);
        Decision d;
        switch (mode) {
            case "off" -> d = new Decision(forced(version, Fallback.ONEDNN_OFF), null);
            case "avx" -> d = new Decision(forced(version, Fallback.ISA_AVX), null);
            case "on" -> d = new Decision(forced(version, Fallback.NONE), null);
            case "auto", "" -> {
                NativePreflight.Outcome o = NativePreflight.fromSystem().verdict(version, false);
                if (!o.verdict().usable()) {
                    throw new EngineUnavailableException("libtorch " + version + " crashes natively on this CPU: "
                            + o.verdict().detail() + "; " + o.verdict().advice() + " (verdict " + o.cacheFile() + ")");
                }
                d = new Decision(o.verdict(), o);
            }
            default -> throw new IllegalArgumentException("-D" + PROPERTY + " must be on, avx, off or auto, got '" + mode + "'");
        }
        d.verdict().fallbackMode().apply();
        return d;
    }

    private static NativeVerdict forced(String version, Fallback f) {
        return new NativeVerdict("forced", CpuSignature.detect().describe(), version, "not run",
                f == Fallback.NONE ? null : "requested with -D" + PROPERTY + "=" + System.getProperty(PROPERTY), f.id(), true, null,
                Instant.now().toString(), 0);
    }

    /**
     * Loads the engine (nothing else: no preflight, no fallback); returns the libtorch version.
     *
     * @throws EngineUnavailableException when the natives cannot be loaded
     */
    public static String loadEngine() {
        try {
            return Engine.getEngine("PyTorch").getVersion();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new EngineUnavailableException("libtorch natives not found (offline mode; build with the default cpu"
                    + " profile, or set PYTORCH_LIBRARY_PATH for a GPU build): " + root.getMessage(), e);
        }
    }

    /** Test support: forget this process's decision (the applied libtorch switch stays as it is). */
    static void resetForTests() {
        decision = null;
    }
}
