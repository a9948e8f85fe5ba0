package org.medfusion.natives;

/** What the process does to avoid a native crash found by the preflight. */
public enum Fallback {
    /** Nothing: the probe passed, oneDNN stays on (full speed). */
    NONE("none"),
    /**
     * oneDNN capped at AVX ({@code ONEDNN_MAX_CPU_ISA=AVX}, set natively right after the engine loads): oneDNN's
     * AVX kernels have no brgemm 1x1-convolution path, so the crashing code is never reached. Measured on a 2-core
     * EPYC (family 25): ResNet-50 b16 112 px steps about 1.3x the normal time, against about 3x with oneDNN off;
     * so it is tried first.
     */
    ISA_AVX("onednn-isa-avx"),
    /** oneDNN switched off in libtorch ({@link OneDnnFallback}): native convolutions, exact results, slowest. */
    ONEDNN_OFF("onednn-off");

    /** The fallbacks in the order the preflight tries them after a crash: fastest first (see each constant). */
    public static final java.util.List<Fallback> PREFERENCE = java.util.List.of(ISA_AVX, ONEDNN_OFF);

    private final String id;

    Fallback(String id) {
        this.id = id;
    }

    /** The name used on command lines, in verdict files and in {@code -Dmedfusion.onednn}. */
    public String id() {
        return id;
    }

    /** Applies this fallback to the current process; the engine must be loaded and no convolution run yet. */
    public void apply() {
        switch (this) {
            case NONE -> { }
            case ISA_AVX -> OneDnnFallback.limitIsa("AVX");
            case ONEDNN_OFF -> OneDnnFallback.setEnabled(false);
            default -> throw new IllegalStateException(name());
        }
    }

    /** The head of the one line of console, manifest and report (the reason follows after a colon). */
    public String headline() {
        return switch (this) {
            case NONE -> "none";
            case ISA_AVX -> "oneDNN brgemm convolution disabled (ONEDNN_MAX_CPU_ISA=AVX)";
            case ONEDNN_OFF -> "oneDNN convolution disabled";
        };
    }

    public static Fallback fromId(String id) {
        for (Fallback f : values()) {
            if (f.id.equals(id)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown fallback '" + id + "'; valid: none, onednn-isa-avx, onednn-off");
    }
}
