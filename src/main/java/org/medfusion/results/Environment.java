package org.medfusion.results;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine and software of a run, as recorded in the manifest.
 *
 * @param cpuModel first {@code model name} of /proc/cpuinfo ({@code os.arch} where absent)
 * @param cores available processors of the JVM
 * @param memoryBytes MemTotal of /proc/meminfo, null where unknown
 * @param gpuName {@code nvidia-smi --query-gpu=name} (first GPU), {@code none} without nvidia-smi
 * @param gpuDriver {@code nvidia-smi --query-gpu=driver_version}, {@code none} without nvidia-smi
 * @param cudaVersion the {@code CUDA Version} printed by nvidia-smi, {@code none} without nvidia-smi
 * @param jvm {@code java.vm.vendor java.runtime.version (java.vm.name)}
 * @param os {@code os.name os.version os.arch}
 * @param djlVersion DJL version
 * @param libtorchVersion libtorch version of the PyTorch engine
 * @param nativeFallback the native fallback the run's processes applied ({@link org.medfusion.natives.Natives}):
 *     {@code none} or e.g. {@code oneDNN convolution disabled: <reason>}; timing figures of a run with a fallback are
 *     slower than the machine's normal speed. Manifests written before this field read as {@code none}.
 * @param intraOpThreads libtorch's intra-op threads of the measuring forks: the run's setting (a config's
 *     {@code threads}) or else this process's ({@code torch.get_num_threads()}), which the forks share as they inherit
 *     the environment (e.g. {@code OMP_NUM_THREADS}); null where unknown (no engine, or a manifest written before this
 *     field). Step times at different thread counts are not comparable.
 */
public record Environment(String cpuModel, int cores, Long memoryBytes, String gpuName, String gpuDriver,
        String cudaVersion, String jvm, String os, String djlVersion, String libtorchVersion, String nativeFallback,
        Integer intraOpThreads) {

    public static final String NONE = "none";
    public static final String UNKNOWN = "unknown";

    public Environment {
        nativeFallback = nativeFallback == null || nativeFallback.isBlank() ? NONE : nativeFallback;
    }

    /** An environment whose thread count is not known. */
    public Environment(String cpuModel, int cores, Long memoryBytes, String gpuName, String gpuDriver,
            String cudaVersion, String jvm, String os, String djlVersion, String libtorchVersion, String nativeFallback) {
        this(cpuModel, cores, memoryBytes, gpuName, gpuDriver, cudaVersion, jvm, os, djlVersion, libtorchVersion, nativeFallback, null);
    }

    /** An environment without a native fallback ({@code nativeFallback = none}). */
    public Environment(String cpuModel, int cores, Long memoryBytes, String gpuName, String gpuDriver,
            String cudaVersion, String jvm, String os, String djlVersion, String libtorchVersion) {
        this(cpuModel, cores, memoryBytes, gpuName, gpuDriver, cudaVersion, jvm, os, djlVersion, libtorchVersion, NONE);
    }

    /** This environment with the measuring forks' thread count set by the run (a config's {@code threads}). */
    public Environment withIntraOpThreads(Integer threads) {
        return new Environment(cpuModel, cores, memoryBytes, gpuName, gpuDriver, cudaVersion, jvm, os, djlVersion, libtorchVersion,
                nativeFallback, threads);
    }

    /** This environment with another native fallback in force (a run that adopted one after a crash). */
    public Environment withNativeFallback(String description) {
        return new Environment(cpuModel, cores, memoryBytes, gpuName, gpuDriver, cudaVersion, jvm, os, djlVersion, libtorchVersion,
                description, intraOpThreads);
    }

    /** True when the run's figures were measured under a native fallback. */
    public boolean fallbackApplied() {
        return !NONE.equals(nativeFallback);
    }

    /**
     * Detects the environment; DJL and libtorch versions from {@code ai.djl.engine.Engine} when an engine
     * loads, {@code unknown} otherwise. Loading the engine loads libtorch: pass the versions in
     * ({@link #detect(String, String)}) when the caller already knows them.
     */
    public static Environment detect() {
        String djl = UNKNOWN;
        String torch = UNKNOWN;
        try {
            djl = ai.djl.engine.Engine.getDjlVersion();
            torch = ai.djl.engine.Engine.getInstance().getVersion();
        } catch (Throwable e) { // no engine, no natives: record what we know
            // keep unknown
        }
        return detect(djl, torch);
    }

    /**
     * Detects everything except the DJL and libtorch versions, which are given; the native fallback is the one this
     * process applied ({@link org.medfusion.natives.Natives#fallbackDescription()}).
     */
    public static Environment detect(String djlVersion, String libtorchVersion) {
        String[] gpu = gpu();
        return new Environment(readCpuModel(), Runtime.getRuntime().availableProcessors(), memTotal(), gpu[0], gpu[1],
                gpu[2], System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version")
                        + " (" + System.getProperty("java.vm.name") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                djlVersion == null ? UNKNOWN : djlVersion, libtorchVersion == null ? UNKNOWN : libtorchVersion,
                org.medfusion.natives.Natives.fallbackDescription(),
                libtorchVersion == null || UNKNOWN.equals(libtorchVersion) ? null : intraOpThreadsNow());
    }

    /** libtorch's intra-op thread count in this process, null when the engine is not loaded or cannot say. */
    static Integer intraOpThreadsNow() {
        try {
            return ai.djl.pytorch.jni.JniUtils.getNumThreads();
        } catch (Throwable e) { // no engine or natives: unknown, never guessed
            return null;
        }
    }

    /** The fields that must agree between shards of one merged run, by name (see {@link Merger}). */
    public Map<String, String> mergeKey() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cpuModel", cpuModel);
        m.put("gpuName", gpuName);
        m.put("jvm", jvm);
        m.put("djlVersion", djlVersion);
        m.put("libtorchVersion", libtorchVersion);
        m.put("nativeFallback", nativeFallback.split(":", 2)[0]); // the fallback, not its reason's wording
        m.put("intraOpThreads", intraOpThreads == null ? UNKNOWN : intraOpThreads.toString());
        return m;
    }

    static String readCpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    static Long memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    String[] p = line.substring(9).trim().split("\\s+");
                    return Long.parseLong(p[0]) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return null;
    }

    /** name, driver, CUDA version of the first GPU, or none x3. */
    static String[] gpu() {
        List<String> q = exec(List.of("nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"));
        if (q == null || q.isEmpty() || q.get(0).isBlank()) {
            return new String[] {NONE, NONE, NONE};
        }
        String[] p = q.get(0).split(",", 2);
        String name = p[0].trim();
        String driver = p.length > 1 ? p[1].trim() : UNKNOWN;
        String cuda = UNKNOWN;
        List<String> all = exec(List.of("nvidia-smi"));
        if (all != null) {
            for (String line : all) {
                int i = line.indexOf("CUDA Version:");
                if (i >= 0) {
                    cuda = line.substring(i + 13).replace("|", " ").trim().split("\\s+")[0];
                    break;
                }
            }
        }
        return new String[] {name, driver, cuda};
    }

    /** {@code git rev-parse HEAD} in the working directory, {@code unknown} when that fails. */
    static String gitCommit() {
        List<String> out = exec(List.of("git", "rev-parse", "HEAD"));
        if (out == null || out.isEmpty() || !out.get(0).trim().matches("[0-9a-f]{40}")) {
            return UNKNOWN;
        }
        return out.get(0).trim();
    }

    /** stdout lines of a command that exits 0 within 10 s, else null. */
    static List<String> exec(List<String> cmd) {
        return org.medfusion.platform.ExternalCommand.output(cmd, java.time.Duration.ofSeconds(10)).orElse(null);
    }
}
