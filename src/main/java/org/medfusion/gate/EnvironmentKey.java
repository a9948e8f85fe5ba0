package org.medfusion.gate;

import java.util.Locale;
import org.medfusion.results.Environment;

/**
 * A readable directory name for the machine and libtorch of a run, under which its baselines live:
 * {@code <cpu model>__<gpu>__torch-<libtorch version>}, each part lower-case with runs of other characters turned
 * into {@code -} (e.g. {@code amd-epyc-9r14-96-core-processor__none__torch-2.7.1}). Runs with the same key can be
 * compared on absolute step times (when their JVM and DJL match too); across keys only ratios and memory.
 */
public final class EnvironmentKey {

    private EnvironmentKey() {
    }

    public static String of(Environment e) {
        return slug(e.cpuModel()) + "__" + slug(e.gpuName()) + "__torch-" + slug(e.libtorchVersion());
    }

    static String slug(String s) {
        if (s == null || s.isBlank()) {
            return "unknown";
        }
        String t = s.toLowerCase(Locale.ROOT).replace("(r)", "").replace("(tm)", "")
                .replaceAll("[^a-z0-9.]+", "-").replaceAll("-+", "-").replaceAll("^[-.]+|[-.]+$", "");
        return t.isEmpty() ? "unknown" : t;
    }
}
