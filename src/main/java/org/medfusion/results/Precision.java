package org.medfusion.results;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;
import org.medfusion.platform.EnumLabels;

/**
 * The arithmetic of a cell's training step: {@code fp32} everywhere, or {@code amp} (mixed precision). Its label is
 * what YAML, CLI, CSV, JSON and JMH's {@code -p precision=} use.
 */
public enum Precision {
    FP32, AMP;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> labels() {
        return EnumLabels.labels(values(), Precision::label);
    }

    /** Parses a label; one-line error naming the value and what is allowed. */
    @JsonCreator
    public static Precision parse(String label) {
        return EnumLabels.parse(values(), Precision::label, "precision", label);
    }
}
