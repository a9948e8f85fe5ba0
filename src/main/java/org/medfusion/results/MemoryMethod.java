package org.medfusion.results;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import org.medfusion.platform.EnumLabels;

/**
 * How a cell's peak memory was measured: one per memory probe ({@code bench.MemoryProbes}). Peaks measured by
 * different methods are not comparable (the gate, the history and the report refuse to compare them).
 */
public enum MemoryMethod {
    /** The process's resident set (CPU). */
    CPU_RSS_PEAK("cpu.rss.peak"),
    /** The bytes malloc handed out, counted by a preloaded allocator hook (CPU). */
    CPU_MALLOC_PEAK("cpu.malloc.peak"),
    /** What the CUDA caching allocator reserved from the driver (GPU). */
    CUDA_RESERVED_PEAK("cuda.reserved.peak"),
    /** What the CUDA caching allocator handed to tensors (GPU). */
    CUDA_ALLOCATED_PEAK("cuda.allocated.peak");

    private final String label;

    MemoryMethod(String label) {
        this.label = label;
    }

    /** The name in JSON, CSV, reports and JMH's secondary results, e.g. {@code cpu.rss.peak}. */
    @JsonValue
    public String label() {
        return label;
    }

    /** The label, so that a method prints as it is written in the files. */
    @Override
    public String toString() {
        return label;
    }

    public static List<String> labels() {
        return EnumLabels.labels(values(), MemoryMethod::label);
    }

    /** Parses a label; one-line error naming the value and what is allowed. */
    @JsonCreator
    public static MemoryMethod parse(String label) {
        return EnumLabels.parse(values(), MemoryMethod::label, "memory_method", label);
    }

    /** {@link #parse} of a label that may be absent (null: no memory figure). */
    public static MemoryMethod parseOrNull(String label) {
        return label == null || label.isEmpty() ? null : parse(label);
    }
}
