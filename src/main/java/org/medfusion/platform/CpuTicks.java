package org.medfusion.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine's CPU time so far from the first line of {@code /proc/stat}, in clock ticks: {@code [total, steal]}.
 * Steal is time this virtual machine's vCPUs were ready to run but the host ran something else; two readings around a
 * run give the share of the run's CPU time the host took. Empty where the file is absent or has no steal field.
 */
public final class CpuTicks {

    private static final Path FILE = Path.of("/proc/stat");

    private CpuTicks() {
    }

    public static List<Long> now() {
        try {
            return parse(Files.readAllLines(FILE).get(0));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** {@code [total, steal]} of a {@code cpu  user nice system idle iowait irq softirq steal ...} line. */
    public static List<Long> parse(String line) {
        String[] f = line.strip().split("\\s+");
        if (!"cpu".equals(f[0]) || f.length < 9) {
            return List.of();
        }
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) { // guest time (fields 9, 10) is already counted in user
            total += Long.parseLong(f[i]);
        }
        return List.of(total, Long.parseLong(f[8]));
    }

    /** The steal share (percent) between two readings, or null when either is missing or no time passed. */
    public static Double stealPercent(List<Long> start, List<Long> end) {
        if (start.size() != 2 || end.size() != 2 || end.get(0) <= start.get(0)) {
            return null;
        }
        return 100.0 * (end.get(1) - start.get(1)) / (end.get(0) - start.get(0));
    }
}
