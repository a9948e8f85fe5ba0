package org.medfusion.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The machine's 1-, 5- and 15-minute load averages from {@code /proc/loadavg}; empty where the file is absent. */
public final class LoadAverage {

    private static final Path FILE = Path.of("/proc/loadavg");

    private LoadAverage() {
    }

    public static List<Double> now() {
        try {
            return parse(Files.readString(FILE));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The first three fields of a {@code /proc/loadavg} line. */
    public static List<Double> parse(String line) {
        String[] f = line.strip().split("\\s+");
        List<Double> out = new ArrayList<>(3);
        for (int i = 0; i < 3; i++) {
            out.add(Double.parseDouble(f[i]));
        }
        return out;
    }
}
