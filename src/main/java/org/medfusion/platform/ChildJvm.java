package org.medfusion.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The one way this project starts a JVM of its own: a main class of this classpath on this JVM's {@code java}. Every
 * child (preflight probes, libtorch checks, profile workers, step traces) is started here, and JMH forks get the same
 * options ({@link #standardJvmArgs}), so that every child
 * <ul>
 *   <li>writes its fatal error log into a folder the caller names ({@code -XX:ErrorFile}), never into the working
 *       directory or the repository, and no core file ({@code -XX:-CreateCoredumpOnCrash});</li>
 *   <li>runs like its parent: the {@code medfusion.*} system properties (the native fallback in force among them),
 *       DJL's {@code ai.djl.*} and cache settings and {@code java.io.tmpdir} are forwarded; DJL stays offline; an
 *       inherited {@code LD_PRELOAD} is dropped unless the caller sets one.</li>
 * </ul>
 * A crashed child is described by {@link HsErrReport}.
 */
public final class ChildJvm {

    private final String mainClass;
    private final List<String> jvmArgs = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private Map<String, String> onlyEnv;
    private Path errorDir;
    private Path workDir;
    private Duration timeout;
    private boolean mergeStderr;
    private String what;

    private ChildJvm(String mainClass) {
        this.mainClass = mainClass;
        this.what = "running " + mainClass.substring(mainClass.lastIndexOf('.') + 1);
    }

    /** A child running {@code main}'s {@code main(String[])}. */
    public static ChildJvm of(Class<?> main) {
        return new ChildJvm(main.getName());
    }

    /** Options before the class path (heap size, {@code -D} settings); added after the standard ones, so they win. */
    public ChildJvm jvmArgs(List<String> values) {
        jvmArgs.addAll(values);
        return this;
    }

    public ChildJvm args(List<String> values) {
        args.addAll(values);
        return this;
    }

    /** Sets a variable of the child's environment (added to ours); a null value removes one of ours. */
    public ChildJvm env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** The child's environment is exactly {@code variables} (plus {@link #env} settings), none of ours. */
    public ChildJvm onlyEnv(Map<String, String> variables) {
        this.onlyEnv = new LinkedHashMap<>(variables);
        return this;
    }

    /** Where the child's hs_err file goes if it crashes (required; created if missing). */
    public ChildJvm errorDir(Path dir) {
        this.errorDir = dir;
        return this;
    }

    /** The child's working directory (default: ours). */
    public ChildJvm workDir(Path dir) {
        this.workDir = dir;
        return this;
    }

    /** Destroys the child after this long (default: no limit). */
    public ChildJvm timeout(Duration limit) {
        this.timeout = limit;
        return this;
    }

    /** The child's stderr goes into {@link Result#output()} too (default: to our stderr). */
    public ChildJvm mergeStderr() {
        this.mergeStderr = true;
        return this;
    }

    /** What the child does, for error messages (e.g. {@code profiling resnet18_b16_r112}). */
    public ChildJvm what(String description) {
        this.what = description;
        return this;
    }

    /** How a child ended. {@code hsErr} is the newest hs_err file it left in the error folder, if any. */
    public record Result(int exitCode, boolean timedOut, String output, Optional<Path> hsErrFile, long millis) {

        public boolean crashed() {
            return !timedOut && HsErrReport.crashed(exitCode, hsErrFile.isPresent());
        }

        public boolean succeeded() {
            return !timedOut && exitCode == 0 && hsErrFile.isEmpty();
        }

        /** The crash as its hs_err file (or exit status) tells it; empty when the child did not crash. */
        public Optional<HsErrReport> crash() {
            if (!crashed()) {
                return Optional.empty();
            }
            try {
                return Optional.of(hsErrFile.isPresent() ? HsErrReport.read(hsErrFile.get(), exitCode)
                        : HsErrReport.parse("", exitCode));
            } catch (IOException e) {
                return Optional.of(HsErrReport.parse("", exitCode));
            }
        }
    }

    /** Options every child JVM of this project gets, JMH forks included: error file, no core, forwarded settings. */
    public static List<String> standardJvmArgs(Path errorDir) {
        List<String> a = new ArrayList<>();
        a.add("-XX:ErrorFile=" + errorDir.toAbsolutePath().resolve("hs_err_pid%p.log"));
        a.add("-XX:-CreateCoredumpOnCrash");
        for (String p : System.getProperties().stringPropertyNames().stream().sorted().toList()) {
            if (p.startsWith("medfusion.") || p.startsWith("ai.djl.") || p.equals("DJL_CACHE_DIR")
                    || p.equals("ENGINE_CACHE_DIR") || p.equals("java.io.tmpdir")) {
                a.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        return a;
    }

    /**
     * Adds a JVM option to {@code args}; a {@code -Dkey=value} replaces an earlier {@code -Dkey=} in place (the JVM
     * would take the last one anyway), so that each property appears once on the child's command line.
     */
    public static void putProperty(List<String> args, String option) {
        int eq = option.indexOf('=');
        if (option.startsWith("-D") && eq > 2) {
            String prefix = option.substring(0, eq + 1);
            for (int i = 0; i < args.size(); i++) {
                if (args.get(i).startsWith(prefix)) {
                    args.set(i, option);
                    return;
                }
            }
        }
        args.add(option);
    }

    /**
     * This JVM's class path with every entry made absolute: a child may run in another working directory (the native
     * probe runs in its own folder), where {@code java -jar target/benchmarks.jar}'s relative entry finds nothing.
     */
    static String absoluteClassPath() {
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> !e.isEmpty()).map(e -> Path.of(e).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    /**
     * Starts the child and waits for it (or its timeout); an interrupt destroys it, and so does this JVM's exit (Ctrl-C,
     * a scheduler's SIGTERM): a child left running would go on measuring, and a profile worker would write its cache
     * file, after the user had stopped the command.
     */
    public Result run() throws IOException {
        if (errorDir == null) {
            throw new IllegalStateException("a child JVM needs an error folder: " + what);
        }
        Files.createDirectories(errorDir);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> options = new ArrayList<>(standardJvmArgs(errorDir));
        jvmArgs.forEach(a -> putProperty(options, a)); // the caller's setting of a forwarded property replaces it
        cmd.addAll(options);
        cmd.addAll(List.of("-cp", absoluteClassPath(), mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        if (onlyEnv != null) {
            pb.environment().clear();
            pb.environment().putAll(onlyEnv);
        }
        pb.environment().remove("LD_PRELOAD");
        pb.environment().put("DJL_OFFLINE", "true");
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        if (mergeStderr) {
            pb.redirectErrorStream(true);
        } else {
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        }
        long start = System.nanoTime();
        List<Path> before = hsErrFiles();
        Process p = pb.start();
        Thread reaper = new Thread(p::destroyForcibly, "child-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        Path out = Files.createTempFile("medfusion-child", ".out");
        try {
            Thread pump = new Thread(() -> {
                try (var in = p.getInputStream()) {
                    Files.copy(in, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException ignored) {
                    // the child's output is lost; its exit status still says how it ended
                }
            }, "child-output");
            pump.start();
            boolean done;
            try {
                done = timeout == null ? p.waitFor(Long.MAX_VALUE, TimeUnit.DAYS) : p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!done) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                pump.join(10_000);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while " + what, e);
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            Optional<Path> hsErr = hsErrFiles().stream().filter(f -> !before.contains(f))
                    .max(Comparator.comparingLong(f -> f.toFile().lastModified()));
            return new Result(done ? p.exitValue() : -1, !done, output, hsErr, (System.nanoTime() - start) / 1_000_000);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // this JVM is exiting: the reaper runs
            }
            Files.deleteIfExists(out);
        }
    }

    /** Runs the child and returns its stdout; a child that fails, crashes or times out is an IOException saying so. */
    public String runForOutput() throws IOException {
        Result r = run();
        if (r.succeeded()) {
            return r.output();
        }
        String how = r.timedOut() ? "timed out after " + timeout.toSeconds() + " s"
                : r.crash().map(c -> "crashed: " + c.describe() + r.hsErrFile().map(f -> " (hs_err: " + f + ")").orElse(""))
                        .orElse("exited with " + r.exitCode());
        throw new IOException(what + " failed: the child JVM " + how);
    }

    private List<Path> hsErrFiles() throws IOException {
        try (Stream<Path> s = Files.list(errorDir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList();
        }
    }
}
