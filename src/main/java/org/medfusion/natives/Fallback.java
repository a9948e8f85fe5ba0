package org.medfusion.natives;

/** What the process does to avoid a native crash found by the preflight. */
public enum Fallback {
    /** Nothing: the probe passed, oneDNN stays on (full speed). */
    NONE("none"),
    /** oneDNN switched off in libtorch ({@link OneDnnFallback}): native convolutions, exact results. */
    ONEDNN_OFF("onednn-off");

    private final String id;

    Fallback(String id) {
        this.id = id;
    }

    /** The name used on command lines, in verdict files and in {@code -Dmedfusion.onednn}. */
    public String id() {
        return id;
    }

    public static Fallback fromId(String id) {
        for (Fallback f : values()) {
            if (f.id.equals(id)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown fallback '" + id + "'; valid: none, onednn-off");
    }
}
