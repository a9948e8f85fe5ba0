package org.medfusion.platform;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses a memory size: plain bytes, or a number with {@code KiB}, {@code MiB}, {@code GiB} (binary) or {@code KB}, {@code MB}, {@code GB} (decimal). */
public final class ByteSize {

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMG]i?B|B)?", Pattern.CASE_INSENSITIVE);

    private ByteSize() {
    }

    /** A memory budget (positive). @throws IllegalArgumentException naming the value and the accepted forms */
    public static long parse(String text) {
        return parse("budget", text, 1);
    }

    /**
     * A size of at least {@code min} bytes.
     *
     * @param what the name in the error message, e.g. {@code budget} or {@code --memory-floor}
     * @throws IllegalArgumentException naming the value and the accepted forms
     */
    public static long parse(String what, String text, long min) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(what + " must be bytes or a size such as 150MiB, 1.5GiB or 200MB, got '" + text + "'");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        double factor = switch (unit) {
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            case "GIB" -> 1L << 30;
            case "KB" -> 1e3;
            case "MB" -> 1e6;
            case "GB" -> 1e9;
            default -> 1;
        };
        long bytes = Math.round(v * factor);
        if (bytes < min) {
            throw new IllegalArgumentException(what + (min == 1 ? " must be positive" : " must be at least " + min + " bytes") + ", got '" + text + "'");
        }
        return bytes;
    }

    /** Bytes as MiB with one decimal, e.g. {@code 150.0 MiB}. */
    public static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
