package org.medfusion.natives;

import java.util.List;

/** What a process does to avoid a native crash found by the preflight. */
public enum Fallback {
    /** Nothing: the probe passed, oneDNN stays on (full speed). */
    NONE("none", "on"),
    /**
     * Strided 1x1 convolutions computed as stride-1 convolutions of the input subsampled by the stride
     * ({@link ConvCall}): oneDNN's strided 1x1 backward-data primitive, the one that crashes, is never created, and
     * every other convolution keeps full-speed oneDNN. Exact (a 1x1 kernel with stride s reads exactly the pixels
     * {@code [::s, ::s]}); autograd keeps a view of the same input, so the saved activations do not change. Tried
     * first: on the crashing CPU it is the fastest of the three (docs/native-fallback.md has the comparison).
     */
    STRIDED_1X1_SUBSAMPLE("strided-1x1-subsample", "subsample"),
    /**
     * oneDNN capped at AVX ({@code ONEDNN_MAX_CPU_ISA=AVX}, set natively right after the engine loads): oneDNN's
     * AVX kernels have no brgemm 1x1-convolution path, so the crashing code is never reached. Only possible before
     * the process's first convolution (oneDNN reads the cap once).
     */
    ISA_AVX("onednn-isa-avx", "avx"),
    /** oneDNN switched off in libtorch ({@link OneDnnFallback}): native convolutions, exact results, slowest. */
    ONEDNN_OFF("onednn-off", "off");

    /** The fallbacks in the order the preflight tries them after a crash: fastest first (see each constant). */
    public static final List<Fallback> PREFERENCE = List.of(STRIDED_1X1_SUBSAMPLE, ISA_AVX, ONEDNN_OFF);

    private final String id;
    private final String mode;

    Fallback(String id, String mode) {
        this.id = id;
        this.mode = mode;
    }

    /** The name used in verdict files, manifests and {@code --fallback} of the probe child. */
    @com.fasterxml.jackson.annotation.JsonValue
    public String id() {
        return id;
    }

    /** The value of {@code -Dmedfusion.onednn} that applies exactly this fallback without probing. */
    public String mode() {
        return mode;
    }

    /** Whether it can still be applied after this process has run a convolution. */
    public boolean applicableAfterConvolutions() {
        return this != ISA_AVX;
    }

    /** The fallbacks after this one in {@link #PREFERENCE} (all of them for {@link #NONE}). */
    public List<Fallback> stronger() {
        int i = PREFERENCE.indexOf(this);
        return PREFERENCE.subList(i + 1, PREFERENCE.size());
    }

    /** Applies this fallback to the current process; the engine must be loaded. */
    public void apply() {
        switch (this) {
            case NONE -> { }
            case STRIDED_1X1_SUBSAMPLE -> ConvCall.subsampleStrided1x1(true);
            case ISA_AVX -> OneDnnFallback.limitIsa("AVX");
            case ONEDNN_OFF -> OneDnnFallback.setEnabled(false);
            default -> throw new IllegalStateException(name());
        }
    }

    /** The head of the one line of console, manifest and report (the reason follows after a colon). */
    public String headline() {
        return switch (this) {
            case NONE -> "none";
            case STRIDED_1X1_SUBSAMPLE -> "strided 1x1 convolutions run as stride-1 on the subsampled input";
            case ISA_AVX -> "oneDNN brgemm convolution disabled (ONEDNN_MAX_CPU_ISA=AVX)";
            case ONEDNN_OFF -> "oneDNN convolution disabled";
        };
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static Fallback fromId(String id) {
        for (Fallback f : values()) {
            if (f.id.equals(id)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown fallback '" + id + "'; valid: none, strided-1x1-subsample, onednn-isa-avx,"
                + " onednn-off");
    }

    /** The fallback a {@code -Dmedfusion.onednn} value forces, or null for {@code auto}. */
    public static Fallback fromMode(String mode) {
        for (Fallback f : values()) {
            if (f.mode.equals(mode)) {
                return f;
            }
        }
        if (mode.equals("auto") || mode.isEmpty()) {
            return null;
        }
        throw new IllegalArgumentException("-D" + Natives.PROPERTY + " must be on, subsample, avx, off or auto, got '" + mode + "'");
    }
}
