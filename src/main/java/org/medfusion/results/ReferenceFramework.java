package org.medfusion.results;

import java.util.Locale;
import org.medfusion.platform.EnumLabels;

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
        return EnumLabels.parse(values(), ReferenceFramework::label, "reference", label);
    }
}
