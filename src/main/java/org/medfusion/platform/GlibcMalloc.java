package org.medfusion.platform;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The two settings of glibc's allocator a measuring process runs under, set through its environment: one place for
 * the variables, read by every process that measures (JMH forks, profile workers, PyTorch reference runs, step traces).
 */
public enum GlibcMalloc {

    /**
     * Memory: every block above 64 KiB mapped and unmapped on its own, so freed tensors go back to the OS at once and
     * the resident size (and its high-water mark) follows live tensors. Slows every step, so never used for times.
     */
    MEMORY(Map.of("MALLOC_MMAP_THRESHOLD_", "65536")),

    /**
     * Time: glibc keeps what is freed (a fixed 32 MiB mmap threshold, which also switches off its dynamic threshold; no
     * trimming below 4 GiB; 256 MiB of padding per heap growth), so a step's large tensors come from the heap instead
     * of fresh, kernel-zeroed pages whose number depends on the order of earlier frees. See
     * {@code bench.TimingAllocator} for what glibc's defaults did to step times.
     */
    TIMING(ordered("MALLOC_MMAP_THRESHOLD_", "33554432", "MALLOC_TRIM_THRESHOLD_", "4294967296", "MALLOC_TOP_PAD_", "268435456"));

    private final Map<String, String> variables;

    GlibcMalloc(Map<String, String> variables) {
        this.variables = variables;
    }

    /** The variables and their values, in a fixed order. */
    public Map<String, String> variables() {
        return variables;
    }

    /** The variables as {@code NAME=value}, in a fixed order. */
    public List<String> assignments() {
        return variables.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** Every variable either setting names: a child started with one setting gets the others removed, not inherited. */
    public static Set<String> allNames() {
        Set<String> names = new TreeSet<>();
        for (GlibcMalloc m : values()) {
            names.addAll(m.variables.keySet());
        }
        return names;
    }

    /** {@code child} with this setting's variables, and every other one of {@link #allNames()} removed. */
    public ChildJvm applyTo(ChildJvm child) {
        for (String name : allNames()) {
            child.env(name, variables.get(name));
        }
        return child;
    }

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.put(kv[i], kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
