package org.medfusion.results;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Number formatting of every CSV and report, always {@link Locale#ROOT}; a missing value is the empty string
 * (never 0).
 */
public final class Fmt {

    public static final double MIB = 1024.0 * 1024.0;
    public static final double GIB = MIB * 1024.0;

    private Fmt() {
    }

    /** Shortest exact decimal of a double (round-trips), "" for null. */
    public static String exact(Double d) {
        if (d == null) {
            return "";
        }
        if (!Double.isFinite(d)) {
            return d.toString();
        }
        String s = BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }

    public static String exact(Long l) {
        return l == null ? "" : Long.toString(l);
    }

    /** Fixed decimals, "" for null. */
    public static String fixed(Double d, int decimals) {
        return d == null ? "" : String.format(Locale.ROOT, "%." + decimals + "f", d);
    }

    /** Bytes as MiB with one decimal, "" for null. */
    public static String mib(Long bytes) {
        return bytes == null ? "" : fixed(bytes / MIB, 1);
    }

    /** Bytes as GiB with two decimals, "" for null. */
    public static String gib(Long bytes) {
        return bytes == null ? "" : fixed(bytes / GIB, 2);
    }

    public static String joinLongs(List<Long> v) {
        return v.stream().map(Fmt::exact).collect(Collectors.joining(";"));
    }

    public static String joinDoubles(List<Double> v) {
        return v.stream().map(Fmt::exact).collect(Collectors.joining(";"));
    }
}
