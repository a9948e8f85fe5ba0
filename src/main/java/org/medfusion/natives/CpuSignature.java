package org.medfusion.natives;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * What of a CPU decides oneDNN's kernel choice, and so whether a native crash seen once will be seen again:
 * vendor, family, model, the feature flags and whether the cache topology is reported. The oneDNN crash (docs/native-fallback.md)
 * follows exactly these (a family-26 EPYC whose cpuid reports no cache sizes), so a preflight verdict is cached
 * under {@link #key(String, String)} of this signature and the libtorch version.
 *
 * @param vendor {@code vendor_id} of /proc/cpuinfo
 * @param family {@code cpu family}
 * @param model {@code model}
 * @param modelName {@code model name} (for people; not part of the key)
 * @param flags the {@code flags} line, sorted
 * @param cacheTopology true when {@code /sys/devices/system/cpu/cpu0/cache/index*} exists
 */
public record CpuSignature(String vendor, String family, String model, String modelName, List<String> flags,
        boolean cacheTopology) {

    static final Path CPUINFO = Path.of("/proc/cpuinfo");
    static final Path CACHE_DIR = Path.of("/sys/devices/system/cpu/cpu0/cache");

    /** The signature of this machine's first CPU. */
    public static CpuSignature detect() {
        return parse(readLines(CPUINFO), hasCacheTopology(CACHE_DIR));
    }

    /** Parses the first processor block of /proc/cpuinfo text. */
    static CpuSignature parse(List<String> cpuinfo, boolean cacheTopology) {
        String vendor = "unknown";
        String family = "unknown";
        String model = "unknown";
        String name = System.getProperty("os.arch");
        List<String> flags = List.of();
        for (String line : cpuinfo) {
            if (line.isBlank()) {
                break; // end of the first processor
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String k = line.substring(0, colon).trim();
            String v = line.substring(colon + 1).trim();
            switch (k) {
                case "vendor_id" -> vendor = v;
                case "cpu family" -> family = v;
                case "model" -> model = v;
                case "model name" -> name = v;
                case "flags" -> flags = Arrays.stream(v.split("\\s+")).filter(f -> !f.isEmpty()).sorted().toList();
                default -> { }
            }
        }
        return new CpuSignature(vendor, family, model, name, flags, cacheTopology);
    }

    static boolean hasCacheTopology(Path cacheDir) {
        if (!Files.isDirectory(cacheDir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(cacheDir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("index"));
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> readLines(Path p) {
        try {
            return Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Hex key (16 chars of SHA-256) of this signature, the libtorch version and anything else that changes the
     * native code path ({@code extra}, e.g. {@code ONEDNN_MAX_CPU_ISA} or the test hook).
     */
    public String key(String libtorchVersion, String extra) {
        String text = String.join("\n", vendor, family, model, String.join(" ", flags), Boolean.toString(cacheTopology),
                libtorchVersion, extra == null ? "" : extra);
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line for people: {@code AuthenticAMD family 25 model 17 (AMD EPYC), 123 flags, cache topology reported}. */
    public String describe() {
        return vendor + " family " + family + " model " + model + " (" + modelName + "), " + flags.size() + " flags, "
                + (cacheTopology ? "cache topology reported" : "no cache topology reported");
    }
}
