package org.medfusion.natives;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.medfusion.platform.ChildJvm;
import org.medfusion.platform.HsErrReport;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.platform.Json;

/**
 * Finds out, before a convolution runs, whether libtorch crashes natively on it on this machine, and which fallback
 * avoids it. The probe ({@link ProbeMain}) runs forward and backward of every given convolution shape class in a
 * child JVM ({@link ChildJvm}), because the crash (a signal in oneDNN) kills the process it happens in. The shape
 * classes come from the models about to run ({@code backbones.ConvShapes}), so the probe covers what will run by
 * construction; a guessed list of shapes once passed on a CPU where ResNet-50 crashed.
 *
 * <p>When the shapes crash under the process's current fallback, each stronger fallback ({@link Fallback#PREFERENCE},
 * fastest first; {@link Fallback#ISA_AVX} only before the process's first convolution) is probed on every shape the
 * process covers, and the first that passes is the verdict.
 *
 * <p>Each probe's result is cached as JSON under {@code <dir>/<key>.json}, the key a hash of the {@link CpuSignature},
 * the libtorch version, {@code ONEDNN_MAX_CPU_ISA}, the armed {@link SimulatedOneDnnCrash}, the fallback and the
 * shape set, so every later process asking the same reads it in microseconds. The default directory is
 * {@code ~/.cache/medfusion/preflight}; {@code -Dmedfusion.preflight.dir} overrides it. A crashed probe's hs_err file
 * is kept there too ({@code <key>-hs_err.log}), never in the working directory.
 */
public final class NativePreflight {

    /**
     * What the probe checks and how it is cached; a new version invalidates every cached verdict (2: results compared,
     * not only signals; 3: a wrong result is cached as such, not as a crash).
     */
    static final int PROBE_VERSION = 3;

    /** System property naming the cache directory. */
    public static final String DIR_PROPERTY = "medfusion.preflight.dir";

    /** Where a verdict came from: the cache file of the deciding probe, and whether any probe ran now. */
    public record Outcome(NativeVerdict verdict, Path cacheFile, boolean fresh) {
    }

    /** One probe of a shape set under one fallback, as cached ({@link NativeVerdict.Probe#FAILED} is never cached). */
    record ProbeResult(String key, Fallback fallback, int shapes, NativeVerdict.Probe status, String detail,
            String checkedAt, long millis) {

        boolean passed() {
            return status == NativeVerdict.Probe.PASS;
        }
    }

    private final Path dir;
    private final Duration timeout;

    public NativePreflight(Path dir, Duration timeout) {
        this.dir = dir;
        this.timeout = timeout;
    }

    /** Directory from {@code -Dmedfusion.preflight.dir} or {@code ~/.cache/medfusion/preflight}. */
    public static NativePreflight fromSystem() {
        String d = System.getProperty(DIR_PROPERTY);
        Path dir = d != null && !d.isBlank() ? Path.of(d)
                : Path.of(System.getProperty("user.home"), ".cache", "medfusion", "preflight");
        return new NativePreflight(dir, Duration.ofSeconds(300));
    }

    public Path dir() {
        return dir;
    }

    /**
     * The verdict for running {@code added} in a process that already runs {@code covered} under {@code current}.
     *
     * @param convolutionsRan whether the process has run a convolution (then {@link Fallback#ISA_AVX} is too late)
     */
    public Outcome verdict(String libtorchVersion, Set<ConvShape> added, Set<ConvShape> covered, Fallback current,
            boolean convolutionsRan) {
        return verdict(libtorchVersion, added, covered, current, convolutionsRan, ProbeMain.BATCH);
    }

    /** As {@link #verdict(String, Set, Set, Fallback, boolean)}, probing at {@code batch} (a crashed cell's batch). */
    public Outcome verdict(String libtorchVersion, Set<ConvShape> added, Set<ConvShape> covered, Fallback current,
            boolean convolutionsRan, int batch) {
        CpuSignature cpu = CpuSignature.detect();
        List<ProbeResult> fresh = new ArrayList<>();
        ProbeResult first = result(cpu, libtorchVersion, added, current, batch, fresh);
        Set<ConvShape> all = new TreeSet<>(covered);
        all.addAll(added);
        String now = Instant.now().toString();
        long ms = fresh.stream().mapToLong(ProbeResult::millis).sum();
        if (first.passed()) {
            return outcome(new NativeVerdict(first.key(), cpu.describe(), libtorchVersion, NativeVerdict.Probe.PASS,
                    null, current, true, null, all.size(), now, ms), first, !fresh.isEmpty());
        }
        if (!first.status().avoidable()) {
            return outcome(new NativeVerdict(first.key(), cpu.describe(), libtorchVersion, NativeVerdict.Probe.FAILED,
                    first.detail(), current, true, null, all.size(), now, ms), first, !fresh.isEmpty());
        }
        List<String> tried = new ArrayList<>();
        for (Fallback f : current.stronger()) {
            if (convolutionsRan && !f.applicableAfterConvolutions()) {
                continue;
            }
            ProbeResult r = result(cpu, libtorchVersion, all, f, batch, fresh);
            ms = fresh.stream().mapToLong(ProbeResult::millis).sum();
            if (r.passed()) {
                return outcome(new NativeVerdict(r.key(), cpu.describe(), libtorchVersion, first.status(),
                        first.detail() + "; passes with " + f.id(), f, true, null, all.size(), now, ms), r, !fresh.isEmpty());
            }
            tried.add(f.id() + ": " + r.detail());
        }
        return outcome(new NativeVerdict(first.key(), cpu.describe(), libtorchVersion, first.status(),
                first.detail(), current, false, "no fallback passed (" + String.join("; ", tried)
                        + "); try another libtorch version or machine", all.size(), now, ms), first, !fresh.isEmpty());
    }

    private Outcome outcome(NativeVerdict v, ProbeResult deciding, boolean fresh) {
        return new Outcome(v, dir.resolve(deciding.key() + ".json"), fresh);
    }

    /** The cached result of probing {@code shapes} under {@code fallback}, else a fresh probe (cached unless it failed). */
    private ProbeResult result(CpuSignature cpu, String version, Set<ConvShape> shapes, Fallback fallback, int batch,
            List<ProbeResult> fresh) {
        String key = key(cpu, version, shapes, fallback, batch);
        Path file = dir.resolve(key + ".json");
        if (Files.isRegularFile(file)) {
            try {
                ProbeResult cached = Json.MAPPER.readValue(Files.readString(file), ProbeResult.class);
                if (cached != null && key.equals(cached.key())) {
                    return cached;
                }
            } catch (IOException | RuntimeException e) {
                // unreadable cache: probe again and overwrite it
            }
        }
        ProbeResult r = probe(key, shapes, fallback, batch);
        fresh.add(r);
        if (r.status() != NativeVerdict.Probe.FAILED) {
            write(file, r);
        }
        return r;
    }

    /** Cache key of a probe: machine, libtorch, what else changes the native path, fallback and shape set. */
    static String key(CpuSignature cpu, String libtorchVersion, Set<ConvShape> shapes, Fallback fallback, int batch) {
        String isa = System.getenv(OneDnnFallback.ISA_VARIABLE);
        SimulatedOneDnnCrash sim = SimulatedOneDnnCrash.armed();
        String extra = "probe=" + PROBE_VERSION + " isa=" + (isa == null ? "" : isa) + (sim == null ? "" : " " + sim.describe()) + " fallback="
                + fallback.id() + " shapes=" + shapeSetHash(shapes) + (batch == ProbeMain.BATCH ? "" : " batch=" + batch);
        return cpu.key(libtorchVersion, extra);
    }

    static String shapeSetHash(Set<ConvShape> shapes) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (ConvShape s : new TreeSet<>(shapes)) {
                d.update((s.key() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void write(Path file, ProbeResult r) {
        try {
            Files.createDirectories(dir);
            AtomicFiles.writeString(file, Json.MAPPER.writeValueAsString(r) + "\n");
        } catch (IOException | UncheckedIOException e) {
            // an unwritable cache costs a probe per process, nothing else
        }
    }

    /** Runs {@link ProbeMain} over {@code shapes} under {@code fallback} in a child JVM. */
    ProbeResult probe(String key, Set<ConvShape> shapes, Fallback fallback, int batch) {
        Path work = null;
        try {
            Files.createDirectories(dir);
            work = Files.createTempDirectory(dir, "probe-");
            Path list = work.resolve("shapes.txt");
            Files.write(list, new TreeSet<>(shapes).stream().map(ConvShape::key).toList(), StandardCharsets.UTF_8);
            ChildJvm.Result r = ChildJvm.of(ProbeMain.class).jvmArgs(List.of("-Xmx1g"))
                    .args(List.of("--fallback", fallback.id(), "--shapes", list.toString(), "--batch", Integer.toString(batch)))
                    .errorDir(work).workDir(work).mergeStderr().timeout(timeout).what("the native preflight probe").run();
            String now = Instant.now().toString();
            if (r.succeeded()) {
                return new ProbeResult(key, fallback, shapes.size(), NativeVerdict.Probe.PASS, null, now, r.millis());
            }
            if (r.crashed()) {
                HsErrReport crash = r.crash().orElseThrow();
                if (r.hsErrFile().isPresent()) {
                    Files.copy(r.hsErrFile().get(), dir.resolve(key + "-hs_err.log"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                String shape = lastShape(r.output());
                String detail = "probe died with " + crash.signal() + (shape == null ? "" : " in forward/backward of " + shape)
                        + (crash.frame() == null ? "" : " at " + crash.frame());
                return new ProbeResult(key, fallback, shapes.size(), NativeVerdict.Probe.CRASH, detail, now, r.millis());
            }
            String wrong = r.output().lines().filter(l -> l.startsWith("probe wrong ")).findFirst().orElse(null);
            if (r.exitCode() == ProbeMain.WRONG_RESULTS && wrong != null) {
                // as unusable as a crash, and avoided the same way: a fallback whose kernels compute it right
                return new ProbeResult(key, fallback, shapes.size(), NativeVerdict.Probe.WRONG_RESULTS, "oneDNN computed wrong results: "
                        + wrong.substring("probe wrong ".length()), now, r.millis());
            }
            String why = r.timedOut() ? "probe child timed out after " + timeout.toSeconds() + " s"
                    : "probe child exited " + r.exitCode() + ": " + tail(r.output());
            return new ProbeResult(key, fallback, shapes.size(), NativeVerdict.Probe.FAILED, why, now, r.millis());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the native preflight probe: " + e.getMessage(), e);
        } finally {
            AtomicFiles.deleteTreeQuietly(work);
        }
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
