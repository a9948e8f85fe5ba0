package org.medfusion.natives;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.medfusion.results.AtomicFiles;
import org.medfusion.results.Json;

/**
 * Finds out, before anything is measured, whether libtorch crashes natively on this machine, and which fallback
 * avoids it. The probe ({@link ProbeMain}) runs in a child JVM on the same {@code java} and classpath, because the
 * crash (a signal in oneDNN, DESIGN.md 4b) kills the process it happens in. A child that dies from a signal (exit
 * above 128, or an hs_err file) is a crash; the probe is then repeated with each fallback, fastest first
 * ({@link Fallback#PREFERENCE}), and the first that passes is chosen. Only where the first probe crashes is a fallback chosen: where it passes nothing changes.
 *
 * <p>The verdict is cached as JSON under {@code <dir>/<key>.json}, the key a hash of the {@link CpuSignature}, the
 * libtorch version and {@code ONEDNN_MAX_CPU_ISA} (and the test hook), so every later process on the machine (CLI
 * commands, JMH forks, test JVMs) reads it in microseconds. The default directory is
 * {@code ~/.cache/medfusion/preflight}; {@code -Dmedfusion.preflight.dir} overrides it. The hs_err file of a crash
 * is kept beside the verdict ({@code <key>-hs_err.log}), never in the working directory.
 */
public final class NativePreflight {

    /** System property naming the cache directory. */
    public static final String DIR_PROPERTY = "medfusion.preflight.dir";
    /** System property equivalent of {@link ProbeMain#SIMULATE_ENV}, forwarded to the probe child. */
    public static final String SIMULATE_PROPERTY = "medfusion.probe.simulateCrash";

    private static final Pattern SIGNAL = Pattern.compile("^#\\s+(SIG[A-Z]+) \\(0x[0-9a-f]+\\)", Pattern.MULTILINE);
    private static final Pattern FRAME = Pattern.compile("^# Problematic frame:\\R#\\s*(.+)$", Pattern.MULTILINE);
    private static final String[] SIGNALS = {"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"};

    /** Where a verdict came from. */
    public record Outcome(NativeVerdict verdict, Path cacheFile, boolean fresh) {
    }

    /** One probe child's end. */
    record ProbeRun(int exitCode, boolean timedOut, String signal, String frame, String shape, String outputTail,
            String hsErr, long millis) {

        boolean crashed() {
            return !timedOut && (exitCode > 128 || hsErr != null);
        }

        boolean passed() {
            return !timedOut && exitCode == 0 && hsErr == null;
        }

        String crashText() {
            // with -XX:-CreateCoredumpOnCrash the JVM exits 1 after writing hs_err: the exit code says nothing then
            StringBuilder b = new StringBuilder("preflight probe died with ").append(signal);
            if (hsErr == null) {
                b.append(" (exit ").append(exitCode).append(")");
            }
            if (shape != null) {
                b.append(" in forward/backward of a ").append(shape);
            }
            if (frame != null) {
                b.append(" at ").append(frame);
            }
            return b.toString();
        }
    }

    private final Path dir;
    private final boolean simulateCrash;
    private final Duration timeout;

    public NativePreflight(Path dir, boolean simulateCrash, Duration timeout) {
        this.dir = dir;
        this.simulateCrash = simulateCrash;
        this.timeout = timeout;
    }

    /** Directory from {@code -Dmedfusion.preflight.dir} or {@code ~/.cache/medfusion/preflight}; hook from env or property. */
    public static NativePreflight fromSystem() {
        String d = System.getProperty(DIR_PROPERTY);
        Path dir = d != null && !d.isBlank() ? Path.of(d)
                : Path.of(System.getProperty("user.home"), ".cache", "medfusion", "preflight");
        boolean simulate = "1".equals(System.getenv(ProbeMain.SIMULATE_ENV))
                || Boolean.parseBoolean(System.getProperty(SIMULATE_PROPERTY));
        return new NativePreflight(dir, simulate, Duration.ofSeconds(180));
    }

    public Path dir() {
        return dir;
    }

    /** Cache key of this machine and libtorch version (and of what else changes the native path). */
    public String key(CpuSignature cpu, String libtorchVersion) {
        String isa = System.getenv("ONEDNN_MAX_CPU_ISA");
        return cpu.key(libtorchVersion, "isa=" + (isa == null ? "" : isa) + (simulateCrash ? " simulated-crash" : ""));
    }

    /** The cached verdict if there is a readable one, else a fresh probe (written to the cache unless it failed). */
    public Outcome verdict(String libtorchVersion, boolean refresh) {
        CpuSignature cpu = CpuSignature.detect();
        String key = key(cpu, libtorchVersion);
        Path file = dir.resolve(key + ".json");
        if (!refresh && Files.isRegularFile(file)) {
            try {
                NativeVerdict cached = Json.MAPPER.readValue(Files.readString(file), NativeVerdict.class);
                if (cached != null && key.equals(cached.key())) {
                    return new Outcome(cached, file, false);
                }
            } catch (IOException | RuntimeException e) {
                // unreadable cache: probe again and overwrite it
            }
        }
        NativeVerdict v = probe(cpu, key, libtorchVersion);
        if (!NativeVerdict.FAILED.equals(v.probe())) {
            write(file, v);
        }
        return new Outcome(v, file, true);
    }

    private static void write(Path file, NativeVerdict v) {
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.writeString(file, Json.MAPPER.writeValueAsString(v) + "\n");
        } catch (IOException | UncheckedIOException e) {
            // an unwritable cache costs a probe per process, nothing else
        }
    }

    /** Runs the probe without a fallback, and after a crash with each {@link Fallback#PREFERENCE} until one passes. */
    NativeVerdict probe(CpuSignature cpu, String key, String libtorchVersion) {
        long start = System.nanoTime();
        ProbeRun plain = runChild(Fallback.NONE, Map.of());
        String now = Instant.now().toString();
        if (plain.passed()) {
            return new NativeVerdict(key, cpu.describe(), libtorchVersion, NativeVerdict.PASS, null, Fallback.NONE.id(),
                    true, null, now, ms(start));
        }
        if (!plain.crashed()) {
            String why = plain.timedOut() ? "probe child timed out after " + timeout.toSeconds() + " s"
                    : "probe child exited " + plain.exitCode() + ": " + plain.outputTail();
            return new NativeVerdict(key, cpu.describe(), libtorchVersion, NativeVerdict.FAILED, why, Fallback.NONE.id(),
                    true, null, now, ms(start));
        }
        keepHsErr(plain, key);
        List<String> tried = new ArrayList<>();
        for (Fallback f : Fallback.PREFERENCE) {
            ProbeRun r = runChild(f, Map.of());
            if (r.passed()) {
                return new NativeVerdict(key, cpu.describe(), libtorchVersion, NativeVerdict.CRASH,
                        plain.crashText() + "; passes with " + f.id(), f.id(), true, null, now, ms(start));
            }
            tried.add(f.id() + ": " + (r.crashed() ? r.crashText() : r.timedOut() ? "timed out" : "exit " + r.exitCode()));
        }
        return new NativeVerdict(key, cpu.describe(), libtorchVersion, NativeVerdict.CRASH, plain.crashText(),
                Fallback.NONE.id(), false, "no fallback passed (" + String.join("; ", tried)
                        + "); try another libtorch version or machine", now, ms(start));
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private void keepHsErr(ProbeRun r, String key) {
        if (r.hsErr() == null) {
            return;
        }
        try {
            Files.createDirectories(dir);
            AtomicFiles.writeString(dir.resolve(key + "-hs_err.log"), r.hsErr());
        } catch (IOException | UncheckedIOException e) {
            // the frame is in the verdict already
        }
    }

    /** Starts {@link ProbeMain} on this JVM's java and classpath, hs_err files into a temp dir, and waits. */
    ProbeRun runChild(Fallback fallback, Map<String, String> env) {
        long start = System.nanoTime();
        Path work = null;
        try {
            work = Files.createTempDirectory("medfusion-probe");
            Path out = work.resolve("probe.out");
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.add("-Xmx512m");
            cmd.add("-XX:ErrorFile=" + work.resolve("hs_err_pid%p.log"));
            cmd.add("-XX:-CreateCoredumpOnCrash");
            for (String p : System.getProperties().stringPropertyNames()) {
                if (p.startsWith("ai.djl.") || p.equals("DJL_CACHE_DIR") || p.equals("ENGINE_CACHE_DIR")) {
                    cmd.add("-D" + p + "=" + System.getProperty(p));
                }
            }
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(ProbeMain.class.getName());
            cmd.add("--fallback");
            cmd.add(fallback.id());
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            pb.environment().putAll(env);
            pb.environment().put("DJL_OFFLINE", pb.environment().getOrDefault("DJL_OFFLINE", "true"));
            if (simulateCrash) {
                pb.environment().put(ProbeMain.SIMULATE_ENV, "1");
            } else {
                pb.environment().remove(ProbeMain.SIMULATE_ENV);
            }
            Process p = pb.start();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            Path hsErr = findHsErr(work);
            String hs = hsErr == null ? "" : Files.readString(hsErr, StandardCharsets.ISO_8859_1);
            int exit = done ? p.exitValue() : -1;
            return new ProbeRun(exit, !done, signal(hs, exit), frame(hs), lastShape(output), tail(output),
                    hsErr == null ? null : hs, ms(start));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the native preflight probe: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the native preflight probe", e);
        } finally {
            deleteQuietly(work);
        }
    }

    private static void deleteQuietly(Path work) {
        if (work == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(work)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind
        }
    }

    private static Path findHsErr(Path work) throws IOException {
        try (Stream<Path> s = Files.list(work)) {
            return s.filter(f -> f.getFileName().toString().startsWith("hs_err")).findFirst().orElse(null);
        }
    }

    /** The signal named in the hs_err file, else the one of exit code 128+n. */
    static String signal(String hsErr, int exit) {
        Matcher m = SIGNAL.matcher(hsErr);
        if (m.find()) {
            return m.group(1);
        }
        int n = exit - 128;
        return n > 0 && n < SIGNALS.length ? SIGNALS[n] : "signal " + n;
    }

    /** The {@code Problematic frame} of an hs_err file, shortened to library and symbol; null when absent. */
    static String frame(String hsErr) {
        Matcher m = FRAME.matcher(hsErr);
        if (!m.find()) {
            return null;
        }
        // "C  [libtorch_cpu.so+0x1234]  dnnl::...::est_eff_1x1()+0x51" -> "libtorch_cpu.so dnnl::...::est_eff_1x1()"
        String f = m.group(1).trim().replaceFirst("^[CJjVv]\\s+", "");
        f = f.replaceAll("\\[([^+\\]]+)\\+0x[0-9a-f]+\\]", "$1").replaceAll("\\+0x[0-9a-f]+$", "");
        return f.replaceAll("\\s+", " ").trim();
    }

    /** The shape class the probe had started last ({@code probe start <class>} without a matching ok). */
    static String lastShape(String output) {
        String last = null;
        for (String line : output.split("\\R")) {
            if (line.startsWith("probe start ")) {
                last = line.substring("probe start ".length());
            } else if (line.startsWith("probe ok ")) {
                last = null;
            }
        }
        return last;
    }

    private static String tail(String output) {
        String t = output.strip();
        return t.length() > 400 ? "..." + t.substring(t.length() - 400).replace('\n', ' ') : t.replace('\n', ' ');
    }
}
