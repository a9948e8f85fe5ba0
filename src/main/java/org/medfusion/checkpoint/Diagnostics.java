package org.medfusion.checkpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.medfusion.platform.EnumLabels;

/**
 * Diagnostic knobs of {@link CheckpointedSequence}: deliberate, documented regressions used to prove that the
 * regression gate catches them (README, "Evidence"). They never change loss, gradients or buffers; they only cost
 * time or memory. Off unless a system property names a segment index ({@link Knob#property}); a run applies them to
 * its forks with {@code run --diag <knob>=<segment>} and records them in its manifest, so a knob run is never taken
 * for a real one.
 *
 * @param active each knob that is on, with the indices of the recomputed segments it applies to (0..S-2 in count-based
 *     plans; on a stored segment a knob does nothing, as there is no recompute) ({@code recompute-twice=0,1}: segments
 *     0 and 1 each recomputed once more)
 */
public record Diagnostics(Map<Knob, SortedSet<Integer>> active) {

    /** A knob and the system property that turns it on in a fork. */
    public enum Knob {
        /** The segment's forward runs twice in the backward pass (the first result is dropped): pure extra time. */
        RECOMPUTE_TWICE("recompute-twice", "medfusion.diag.recomputeTwice"),
        /** The segment's recomputed activations (its autograd graph) stay alive until the step ends: extra peak memory. */
        KEEP_ALIVE("keep-alive", "medfusion.diag.keepAlive");

        private final String label;
        private final String property;

        Knob(String label, String property) {
            this.label = label;
            this.property = property;
        }

        public String label() {
            return label;
        }

        public String property() {
            return property;
        }

        static Knob ofLabel(String label) {
            return EnumLabels.parse(values(), k -> k.label, "diagnostic knob", label);
        }
    }

    public static final Diagnostics NONE = new Diagnostics(Map.of());

    public Diagnostics {
        Map<Knob, SortedSet<Integer>> copy = new EnumMap<>(Knob.class);
        if (active != null) {
            active.forEach((k, v) -> {
                if (v == null || v.isEmpty()) {
                    throw new IllegalArgumentException("diagnostic knob " + k.label + " needs at least one segment index");
                }
                v.forEach(i -> {
                    if (i == null || i < 0) {
                        throw new IllegalArgumentException("diagnostic knob " + k.label + " needs segment indices >= 0, got " + i);
                    }
                });
                copy.put(k, Collections.unmodifiableSortedSet(new TreeSet<>(v)));
            });
        }
        active = copy.isEmpty() ? Map.of() : Collections.unmodifiableMap(copy);
    }

    /** One knob on the given segments. */
    public static Diagnostics of(Knob knob, Integer... segments) {
        return new Diagnostics(Map.of(knob, new TreeSet<>(List.of(segments))));
    }

    /** The knobs this JVM was started with ({@code -Dmedfusion.diag.*}); {@link #NONE} when none. */
    public static Diagnostics fromSystemProperties() {
        Map<Knob, SortedSet<Integer>> m = new TreeMap<>();
        for (Knob k : Knob.values()) {
            String v = System.getProperty(k.property);
            if (v != null && !v.isBlank()) {
                m.put(k, segmentIndices(k, v.strip()));
            }
        }
        return m.isEmpty() ? NONE : new Diagnostics(m);
    }

    /**
     * Parses {@code run --diag} values such as {@code recompute-twice=0} or {@code recompute-twice=0,1}; one-line error
     * naming a bad value.
     */
    public static Diagnostics parse(List<String> specs) {
        Map<Knob, SortedSet<Integer>> m = new TreeMap<>();
        for (String spec : specs == null ? List.<String>of() : specs) {
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("--diag " + spec + " must be <knob>=<segment index>[,<segment index>...],"
                        + " e.g. recompute-twice=0 (knobs: recompute-twice, keep-alive)");
            }
            Knob k = Knob.ofLabel(spec.substring(0, eq).strip());
            if (m.put(k, segmentIndices(k, spec.substring(eq + 1).strip())) != null) {
                throw new IllegalArgumentException("--diag " + k.label + " given twice");
            }
        }
        return m.isEmpty() ? NONE : new Diagnostics(m);
    }

    private static SortedSet<Integer> segmentIndices(Knob k, String v) {
        SortedSet<Integer> out = new TreeSet<>();
        for (String part : v.split(",", -1)) {
            try {
                int i = Integer.parseInt(part.strip());
                if (i >= 0 && out.add(i)) {
                    continue;
                }
            } catch (NumberFormatException ignored) {
                // below
            }
            throw new IllegalArgumentException("diagnostic knob " + k.label + "=" + v
                    + ": the value must be distinct segment indices >= 0, comma-separated (e.g. 0 or 0,1)");
        }
        return out;
    }

    public boolean isEmpty() {
        return active.isEmpty();
    }

    /** True when {@code knob} is on for segment {@code k}. */
    public boolean applies(Knob knob, int k) {
        SortedSet<Integer> on = active.get(knob);
        return on != null && on.contains(k);
    }

    /** {@code -Dmedfusion.diag.recomputeTwice=0,1}, one per active knob: what a fork needs to apply them. */
    public List<String> jvmArgs() {
        List<String> out = new ArrayList<>();
        active.forEach((k, v) -> out.add("-D" + k.property + "=" + join(v)));
        return out;
    }

    /** {@code recompute-twice=0}, one per active knob: what the manifest and report record. */
    public List<String> labels() {
        List<String> out = new ArrayList<>();
        active.forEach((k, v) -> out.add(k.label + "=" + join(v)));
        return out;
    }

    private static String join(SortedSet<Integer> segments) {
        return segments.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
