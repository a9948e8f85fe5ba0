package org.medfusion.checkpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Diagnostic knobs of {@link CheckpointedSequence}: deliberate, documented regressions used to prove that the
 * regression gate catches them (README, "Evidence"). They never change loss, gradients or buffers; they only cost
 * time or memory. Off unless a system property names a segment index ({@link Knob#property}); a run applies them to
 * its forks with {@code run --diag <knob>=<segment>} and records them in its manifest, so a knob run is never taken
 * for a real one.
 *
 * @param active each knob that is on, with the index of the recomputed segment (0..S-2) it applies to
 */
public record Diagnostics(Map<Knob, Integer> active) {

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
            for (Knob k : values()) {
                if (k.label.equals(label)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown diagnostic knob '" + label + "'; allowed: recompute-twice, keep-alive");
        }
    }

    public static final Diagnostics NONE = new Diagnostics(Map.of());

    public Diagnostics {
        active = active == null || active.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(active));
        active.forEach((k, v) -> {
            if (v < 0) {
                throw new IllegalArgumentException("diagnostic knob " + k.label + " needs a segment index >= 0, got " + v);
            }
        });
    }

    /** The knobs this JVM was started with ({@code -Dmedfusion.diag.*}); {@link #NONE} when none. */
    public static Diagnostics fromSystemProperties() {
        Map<Knob, Integer> m = new TreeMap<>();
        for (Knob k : Knob.values()) {
            String v = System.getProperty(k.property);
            if (v != null && !v.isBlank()) {
                m.put(k, segmentIndex(k, v.strip()));
            }
        }
        return m.isEmpty() ? NONE : new Diagnostics(m);
    }

    /** Parses {@code run --diag} values such as {@code recompute-twice=0}; one-line error naming a bad value. */
    public static Diagnostics parse(List<String> specs) {
        Map<Knob, Integer> m = new TreeMap<>();
        for (String spec : specs == null ? List.<String>of() : specs) {
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("--diag " + spec + " must be <knob>=<segment index>, e.g. recompute-twice=0"
                        + " (knobs: recompute-twice, keep-alive)");
            }
            Knob k = Knob.ofLabel(spec.substring(0, eq).strip());
            if (m.put(k, segmentIndex(k, spec.substring(eq + 1).strip())) != null) {
                throw new IllegalArgumentException("--diag " + k.label + " given twice");
            }
        }
        return m.isEmpty() ? NONE : new Diagnostics(m);
    }

    private static int segmentIndex(Knob k, String v) {
        try {
            int i = Integer.parseInt(v);
            if (i >= 0) {
                return i;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new IllegalArgumentException("diagnostic knob " + k.label + "=" + v + ": the value must be a segment index >= 0");
    }

    public boolean isEmpty() {
        return active.isEmpty();
    }

    /** True when {@code knob} is on for segment {@code k}. */
    public boolean applies(Knob knob, int k) {
        Integer i = active.get(knob);
        return i != null && i == k;
    }

    /** {@code -Dmedfusion.diag.recomputeTwice=0}, one per active knob: what a fork needs to apply them. */
    public List<String> jvmArgs() {
        List<String> out = new ArrayList<>();
        active.forEach((k, v) -> out.add("-D" + k.property + "=" + v));
        return out;
    }

    /** {@code recompute-twice=0}, one per active knob: what the manifest and report record. */
    public List<String> labels() {
        List<String> out = new ArrayList<>();
        active.forEach((k, v) -> out.add(k.label + "=" + v));
        return out;
    }
}
