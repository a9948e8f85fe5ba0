package org.medfusion.results;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;
import org.medfusion.platform.EnumLabels;

/** Where a cell runs. Its label ({@code cpu}, {@code gpu}) is what YAML, CLI, CSV, JSON and JMH's {@code -p device=} use. */
public enum Device {
    CPU, GPU;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> labels() {
        return EnumLabels.labels(values(), Device::label);
    }

    /** Parses a label; one-line error naming the value and what is allowed. */
    @JsonCreator
    public static Device parse(String label) {
        return EnumLabels.parse(values(), Device::label, "device", label);
    }

    /** The DJL device. */
    public ai.djl.Device djl() {
        return this == GPU ? ai.djl.Device.gpu() : ai.djl.Device.cpu();
    }
}
