package org.medfusion.platform;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Enums by their labels: the one parse loop and the one usage error ("split must be one of uniform, torch, optimal,
 * got 'greedy'") for every enum that is written to files or typed on a command line.
 */
public final class EnumLabels {

    private EnumLabels() {
    }

    /** Every label, in declaration order. */
    public static <E extends Enum<E>> List<String> labels(E[] values, Function<E, String> label) {
        return Arrays.stream(values).map(label).toList();
    }

    /**
     * The constant whose label equals {@code given}.
     *
     * @param what the value's name in the error ({@code split})
     * @throws IllegalArgumentException "{@code what} must be one of ..., got '{@code given}'"
     */
    public static <E extends Enum<E>> E parse(E[] values, Function<E, String> label, String what, String given) {
        return find(values, label, what, given, false);
    }

    /** As {@link #parse}, ignoring case and surrounding blanks. */
    public static <E extends Enum<E>> E parseIgnoringCase(E[] values, Function<E, String> label, String what, String given) {
        return find(values, label, what, given, true);
    }

    private static <E extends Enum<E>> E find(E[] values, Function<E, String> label, String what, String given, boolean ignoreCase) {
        String wanted = ignoreCase && given != null ? given.strip() : given;
        for (E e : values) {
            String l = label.apply(e);
            if (ignoreCase ? l.equalsIgnoreCase(wanted) : l.equals(wanted)) {
                return e;
            }
        }
        throw new IllegalArgumentException(what + " must be one of " + String.join(", ", labels(values, label)) + ", got '" + given + "'");
    }
}
