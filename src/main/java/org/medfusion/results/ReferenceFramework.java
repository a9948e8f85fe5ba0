package org.medfusion.results;

import java.util.Locale;

/**
 * A framework whose figures a run stores beside ours ({@code reference: [torch]} in a config, {@code --reference torch}):
 * the label names its folder under {@code reference/} in the run directory and its columns in the CSVs.
 */
public enum ReferenceFramework {
    TORCH;

    /** {@code torch}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** One-line usage error naming the value and what is allowed. */
    public static ReferenceFramework parse(String label) {
        for (ReferenceFramework k : values()) {
            if (k.label().equals(label)) {
                return k;
            }
        }
        throw new IllegalArgumentException("reference must be torch (PyTorch beside our figures), got '" + label + "'");
    }
}
