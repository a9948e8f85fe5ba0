package org.medfusion.natives;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.medfusion.platform.ChildJvm;
import org.medfusion.platform.ExternalCommand;
import org.medfusion.platform.AtomicFiles;

/**
 * Can DJL's PyTorch JNI (built for one libtorch version) run against the libtorch of this machine?
 *
 * <p>Finds the libtorch directory ({@code PYTORCH_LIBRARY_PATH}, else the {@code torch/lib} of the
 * {@code python3} on the PATH), reads its version and CUDA version from the files next to it
 * ({@code torch/version.py} of a pip install, {@code build-version} of a libtorch zip, else the
 * library file names), then loads the engine in a <b>child JVM</b> with {@code PYTORCH_LIBRARY_PATH}
 * pointing there and offline mode on (a failed native load can crash the process), and turns what
 * went wrong into one line: the reason and what to do.
 *
 * <p>{@link #check} returns a {@link Report} that {@code doctor} or {@code libtorch-check} prints.
 * {@code main} is the child's entry point ({@code --probe}).
 */
public final class LibtorchPreflight {

    /** The libtorch version DJL's bundled JNI was compiled against (pytorch-jni 2.7.1-0.36.0). */
    public static final String JNI_LIBTORCH_VERSION = jniVersion()[0];
    /** DJL's API version (the JNI file is {@code <this>-libdjl_torch.so}). */
    public static final String DJL_VERSION = jniVersion()[1];
    /** The CUDA flavour of the JNI in pytorch-jni's jar (the only CUDA one it ships for linux-x86_64). */
    public static final String BUNDLED_CUDA_FLAVOR = "cu128";

    static final String PROBE_OK = "PREFLIGHT-LOADED";
    private static final Pattern VERSION_PY = Pattern.compile("^__version__\\s*=\\s*['\"]([^'\"]+)['\"]", Pattern.MULTILINE);
    private static final Pattern CUDA_PY = Pattern.compile("^cuda\\s*(?::[^=]*)?=\\s*(?:['\"]([^'\"]+)['\"]|None)", Pattern.MULTILINE);
    private static final Pattern CUDART = Pattern.compile("libcudart\\.so\\.(\\d+(?:\\.\\d+)*)");
    private static final Pattern UNDEFINED = Pattern.compile("undefined symbol: (\\S+)");
    private static final Pattern LINK_ERROR = Pattern.compile("(?:java\\.lang\\.)?UnsatisfiedLinkError: (.+)");

    /**
     * What the preflight found.
     *
     * @param libtorchDir the directory with libtorch.so (null when none was found)
     * @param source where it came from: {@code PYTORCH_LIBRARY_PATH}, {@code --libtorch}, {@code python3 torch}
     * @param version libtorch version ({@code 2.11.0+cu130}); null when unknown
     * @param versionSource the file the version was read from
     * @param cuda CUDA version of the build ({@code 13.0}), {@code "none"} for a CPU build, null when unknown
     * @param cudaLibraries whether libtorch_cuda.so is there
     * @param flavor the {@code PYTORCH_FLAVOR} the child used (cu128 or cpu unless set)
     * @param loads whether DJL's engine loaded and ran a tensor op against it
     * @param engineVersion what DJL reported once loaded
     * @param gpuCount GPUs DJL saw once loaded (-1 when not loaded)
     * @param reason one line: why it does not load and what to do (null when it loads)
     * @param detail the child's error text (full, for logs)
     */
    public record Report(String libtorchDir, String source, String version, String versionSource, String cuda,
            boolean cudaLibraries, String flavor, boolean loads, String engineVersion, int gpuCount, String reason,
            String detail) {

        /** Human-readable lines, for {@code doctor} and {@code libtorch-check}. */
        public List<String> lines() {
            List<String> l = new ArrayList<>();
            l.add("libtorch dir      " + (libtorchDir == null ? "not found" : libtorchDir + " (" + source + ")"));
            l.add("libtorch version  " + (version == null ? "unknown" : version + " (" + versionSource + ")"));
            l.add("CUDA              " + (cuda == null ? "unknown" : cuda) + (cudaLibraries ? " (libtorch_cuda.so present)" : ""));
            l.add("DJL JNI           built for libtorch " + JNI_LIBTORCH_VERSION + " (DJL " + DJL_VERSION + "), flavor "
                    + (flavor == null ? "-" : flavor));
            l.add("loads             " + (loads ? "yes: engine " + engineVersion + ", GPUs visible " + gpuCount : "NO"));
            if (reason != null) {
                l.add("reason            " + reason);
            }
            return l;
        }
    }

    private LibtorchPreflight() {
    }

    /**
     * Runs the preflight.
     *
     * @param explicitDir a libtorch lib directory given on the command line, or null
     * @param env the environment to read {@code PYTORCH_LIBRARY_PATH} / {@code PYTORCH_FLAVOR} from
     * @param timeoutSeconds how long the child may take to load the engine
     */
    public static Report check(Path explicitDir, Map<String, String> env, long timeoutSeconds) {
        String source;
        Path dir;
        if (explicitDir != null) {
            dir = explicitDir;
            source = "--libtorch";
        } else if (env.get("PYTORCH_LIBRARY_PATH") != null && !env.get("PYTORCH_LIBRARY_PATH").isBlank()) {
            dir = firstWithLibtorch(env.get("PYTORCH_LIBRARY_PATH"));
            source = "PYTORCH_LIBRARY_PATH";
        } else {
            dir = pythonTorchLib();
            source = "python3 torch";
        }
        if (dir == null) {
            return new Report(null, null, null, null, null, false, null, false, null, -1,
                    "no libtorch found: set PYTORCH_LIBRARY_PATH to the directory holding libtorch.so"
                            + " (a pip torch: python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))'/lib)", "");
        }
        dir = dir.toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("libtorch.so"))) {
            return new Report(dir.toString(), source, null, null, null, false, null, false, null, -1,
                    "no libtorch.so in " + dir + " (DJL would silently fall back to other natives):"
                            + " point PYTORCH_LIBRARY_PATH at libtorch's lib directory", "");
        }
        String[] version = readVersion(dir);
        boolean cudaLibs = Files.exists(dir.resolve("libtorch_cuda.so"));
        String cuda = readCuda(dir, cudaLibs);
        String flavor = env.getOrDefault("PYTORCH_FLAVOR", "");
        if (flavor.isBlank()) {
            flavor = cudaLibs ? BUNDLED_CUDA_FLAVOR : "cpu";
        }
        Probe p = probe(dir, flavor, env, timeoutSeconds);
        String reason = p.ok ? null : reason(dir, version[0], cudaLibs, flavor, p.output);
        return new Report(dir.toString(), source, version[0], version[1], cuda, cudaLibs, flavor, p.ok, p.engineVersion,
                p.gpus, reason, p.output.strip());
    }

    /** The one-line reason and remedy for a failed load, from the child's output. */
    static String reason(Path dir, String version, boolean cudaLibs, String flavor, String output) {
        String base = version == null ? null : version.replaceAll("[+].*$", "");
        String remedy = "fix: use a libtorch " + JNI_LIBTORCH_VERSION + (cudaLibs ? " (CUDA 12.8 build)" : "")
                + " (pip install torch==" + JNI_LIBTORCH_VERSION + ", then PYTORCH_LIBRARY_PATH=<site-packages>/torch/lib),"
                + " or build DJL's JNI against this one: scripts/build-djl-jni.sh <djl-checkout> " + dir;
        String what = version == null ? "libtorch of unknown version" : "libtorch " + version;
        String mismatch = base != null && !base.equals(JNI_LIBTORCH_VERSION)
                ? what + " is not the " + JNI_LIBTORCH_VERSION + " DJL's JNI is built for" : what;
        Matcher u = UNDEFINED.matcher(output);
        if (u.find()) {
            return mismatch + ": undefined symbol " + u.group(1) + "; " + remedy;
        }
        if (output.contains("PyTorch jni not found") || output.contains("Cannot download jni files")
                || output.contains("jni not found")) {
            return "no DJL JNI for flavor '" + flavor + "' in the jar or the DJL cache (offline, nothing can be downloaded):"
                    + " set PYTORCH_FLAVOR=" + BUNDLED_CUDA_FLAVOR + " (GPU) or cpu, or install a JNI built with scripts/build-djl-jni.sh";
        }
        Matcher l = LINK_ERROR.matcher(output);
        if (l.find()) {
            return mismatch + ": " + l.group(1).strip() + "; " + remedy;
        }
        if (output.contains("timed out")) {
            return "loading the engine " + output.strip() + "; run with DJL debug logging (-Dorg.slf4j.simpleLogger.defaultLogLevel=debug)";
        }
        String last = lastMeaningfulLine(output);
        return mismatch + ": " + (last.isEmpty() ? "the engine did not load" : last) + "; " + remedy;
    }

    private static String lastMeaningfulLine(String output) {
        String found = "";
        for (String line : output.split("\\R")) {
            String s = line.strip();
            if (s.matches("^(?:Caused by: )?[\\w.$]+(?:Exception|Error)(?::.*)?$")) {
                found = s.replaceFirst("^Caused by: ", "");
            }
        }
        return found;
    }

    /** {@code [version, where it was read]}; {@code [null, null]} when nothing tells. */
    static String[] readVersion(Path dir) {
        Path parent = dir.getParent();
        if (parent != null) {
            Path versionPy = parent.resolve("version.py");
            if (Files.isRegularFile(versionPy)) {
                Matcher m = VERSION_PY.matcher(read(versionPy));
                if (m.find()) {
                    return new String[] {m.group(1), versionPy.toString()};
                }
            }
            Path buildVersion = parent.resolve("build-version");
            if (Files.isRegularFile(buildVersion)) {
                String v = read(buildVersion).strip();
                if (!v.isEmpty()) {
                    return new String[] {v, buildVersion.toString()};
                }
            }
        }
        // A libtorch extracted by DJL: <cache>/pytorch/<version>-<flavor>-<os>-<arch>/
        Matcher m = Pattern.compile("^(\\d+\\.\\d+\\.\\d+)(?:-\\d{8})?-(cpu|cu\\d+)").matcher(dir.getFileName().toString());
        if (m.find()) {
            return new String[] {m.group(1), "directory name"};
        }
        return new String[] {null, null};
    }

    static String readCuda(Path dir, boolean cudaLibs) {
        Path parent = dir.getParent();
        if (parent != null && Files.isRegularFile(parent.resolve("version.py"))) {
            Matcher m = CUDA_PY.matcher(read(parent.resolve("version.py")));
            if (m.find()) {
                return m.group(1) == null ? "none" : m.group(1);
            }
        }
        List<Path> places = new ArrayList<>(List.of(dir));
        if (parent != null && parent.getParent() != null) {
            places.add(parent.getParent().resolve("nvidia").resolve("cuda_runtime").resolve("lib")); // pip's nvidia-* wheels
        }
        for (Path p : places) {
            try (Stream<Path> files = Files.list(p)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Matcher m = CUDART.matcher(f.getFileName().toString());
                    if (m.find()) {
                        return m.group(1) + " (libcudart)";
                    }
                }
            } catch (IOException e) {
                // not there
            }
        }
        return cudaLibs ? null : "none";
    }

    private static Path firstWithLibtorch(String pathList) {
        Path first = null;
        for (String p : pathList.split(File.pathSeparator)) {
            if (p.isBlank()) {
                continue;
            }
            Path d = Paths.get(p);
            if (first == null) {
                first = d;
            }
            if (Files.isRegularFile(d.resolve("libtorch.so"))) {
                return d;
            }
        }
        return first;
    }

    /** {@code <torch package>/lib} of the python3 on the PATH, or null. */
    static Path pythonTorchLib() {
        List<String> out = ExternalCommand.output(List.of("python3", "-c", "import torch,os;print(os.path.dirname(torch.__file__))"),
                java.time.Duration.ofSeconds(60)).orElse(List.of());
        if (out.isEmpty()) {
            return null;
        }
        Path lib = Paths.get(out.get(out.size() - 1).strip()).resolve("lib");
        return Files.isDirectory(lib) ? lib : null;
    }

    private record Probe(boolean ok, String engineVersion, int gpus, String output) {
    }

    /** Loads the engine in a child JVM (same runtime and classpath) with PYTORCH_LIBRARY_PATH = dir. */
    private static Probe probe(Path dir, String flavor, Map<String, String> env, long timeoutSeconds) {
        Path errors = null;
        try {
            errors = Files.createTempDirectory("libtorch-preflight");
            ChildJvm child = ChildJvm.of(LibtorchPreflight.class).jvmArgs(List.of("-Xmx512m", "-Dai.djl.offline=true"))
                    .args(List.of("--probe")).onlyEnv(env).env("PYTORCH_LIBRARY_PATH", dir.toString())
                    .env("PYTORCH_FLAVOR", flavor).errorDir(errors).mergeStderr()
                    .timeout(java.time.Duration.ofSeconds(timeoutSeconds)).what("loading libtorch from " + dir);
            ChildJvm.Result r = child.run();
            if (r.timedOut()) {
                return new Probe(false, null, -1, "timed out after " + timeoutSeconds + " s");
            }
            String out = r.output();
            for (String line : out.split("\\R")) {
                if (line.startsWith(PROBE_OK + " ")) {
                    String[] f = line.split(" ");
                    return new Probe(r.exitCode() == 0, f[1], Integer.parseInt(f[2]), out);
                }
            }
            return new Probe(false, null, -1, out + r.crash().map(c -> "\nchild died with " + c.describe()).orElse(""));
        } catch (IOException e) {
            return new Probe(false, null, -1, "could not start the child JVM: " + e.getMessage());
        } finally {
            AtomicFiles.deleteTreeQuietly(errors);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    private static String[] jniVersion() {
        try (InputStream is = LibtorchPreflight.class.getResourceAsStream("/jnilib/pytorch.properties")) {
            if (is != null) {
                Properties p = new Properties();
                p.load(is);
                String v = p.getProperty("jni_version", ""); // e.g. 2.7.1-0.36.0
                int dash = v.indexOf('-');
                if (dash > 0) {
                    return new String[] {v.substring(0, dash), v.substring(dash + 1)};
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return new String[] {"unknown", "unknown"};
    }

    /**
     * Child entry point: {@code --probe} loads the PyTorch engine (PYTORCH_LIBRARY_PATH is set by the
     * parent), runs one tensor op and prints {@code PREFLIGHT-LOADED <version> <gpus>}; any failure
     * goes to stderr with its stack trace and exit 1.
     */
    public static void main(String[] args) {
        if (args.length != 1 || !"--probe".equals(args[0])) {
            System.err.println("usage: LibtorchPreflight --probe (the parent sets PYTORCH_LIBRARY_PATH); or: benchmarks.jar libtorch-check");
            System.exit(2);
        }
        try {
            ai.djl.engine.Engine e = ai.djl.engine.Engine.getEngine("PyTorch");
            float sum;
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu())) {
                sum = m.ones(new ai.djl.ndarray.types.Shape(2, 3)).sum().getFloat();
            }
            if (sum != 6f) {
                System.err.println("engine loaded but ones(2,3).sum() = " + sum);
                System.exit(1);
            }
            System.out.println(PROBE_OK + " " + e.getVersion() + " " + e.getGpuCount());
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }
}
