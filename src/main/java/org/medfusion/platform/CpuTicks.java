package org.medfusion.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine's CPU time so far from the first line of {@code /proc/stat}, in clock ticks. Steal is time this virtual
 * machine's vCPUs were ready to run but the host ran something else; two readings around a run give the share of the
 * run's CPU time the host took ({@link #stealPercent}).
 *
 * @param total every tick counted on the line (user, nice, system, idle, iowait, irq, softirq, steal)
 * @param steal the ticks the host took
 */
public record CpuTicks(long total, long steal) {

    private static final Path FILE = Path.of("/proc/stat");

    /** The reading now, or null where {@code /proc/stat} is absent or has no steal field. */
    public static CpuTicks now() {
        try {
            return parse(Files.readAllLines(FILE).get(0));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The reading of a {@code cpu  user nice system idle iowait irq softirq steal ...} line, or null for another line. */
    public static CpuTicks parse(String line) {
        String[] f = line.strip().split("\\s+");
        if (!"cpu".equals(f[0]) || f.length < 9) {
            return null;
        }
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) { // guest time (fields 9, 10) is already counted in user
            total += Long.parseLong(f[i]);
        }
        return new CpuTicks(total, Long.parseLong(f[8]));
    }

    /** The reading as stored in a manifest: {@code [total, steal]}, empty for none. */
    public static List<Long> toList(CpuTicks t) {
        return t == null ? List.of() : List.of(t.total, t.steal);
    }

    /** A reading stored as {@code [total, steal]}; null for an empty (or any other) list. */
    public static CpuTicks fromList(List<Long> l) {
        return l == null || l.size() != 2 || l.get(0) == null || l.get(1) == null ? null : new CpuTicks(l.get(0), l.get(1));
    }

    /** The steal share (percent) between two readings, or null when either is missing or no time passed. */
    public static Double stealPercent(CpuTicks start, CpuTicks end) {
        if (start == null || end == null || end.total <= start.total) {
            return null;
        }
        return 100.0 * (end.steal - start.steal) / (end.total - start.total);
    }
}
