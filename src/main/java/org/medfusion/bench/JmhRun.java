package org.medfusion.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.medfusion.checkpoint.Diagnostics;
import org.medfusion.platform.ChildJvm;
import org.medfusion.results.CellKey;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs JMH for one cell in a run's {@code jmh/} folder: JMH's JSON and console log are kept there (the console also
 * echoed when given), and so is the hs_err file of a fork that crashes. A failed run is thrown as a classified
 * {@link ForkFailure}. JMH takes a machine-wide lock ({@link #lockFile()}) for every run; while another process holds
 * it, this waits (saying so once) up to the lock timeout and then throws {@link JmhLockTimeoutException}.
 */
final class JmhRun {

    private static final String JMH_LOCK_BUSY = "Unable to acquire the JMH lock";

    private final Path jmhDir;
    private final PrintWriter console;
    private final Duration lockTimeout;
    private final PrintWriter notices;

    /**
     * @param outDir the run's folder ({@code jmh/} below it)
     * @param console where JMH's progress is echoed (null: only to the log file)
     * @param lockTimeout how long to wait for JMH's machine-wide lock held by another process
     * @param notices where the wait for that lock is announced
     */
    JmhRun(Path outDir, PrintWriter console, Duration lockTimeout, PrintWriter notices) {
        this.jmhDir = outDir.resolve("jmh");
        this.console = console;
        this.lockTimeout = lockTimeout;
        this.notices = notices;
    }

    /** JMH's machine-wide lock file ({@code <java.io.tmpdir>/jmh.lock}, as JMH 1.37 names it). */
    static Path lockFile() {
        return Path.of(System.getProperty("java.io.tmpdir"), "jmh.lock");
    }

    /** DJL's offline switch, which the benchmarks' {@code @Fork} options set in every fork. */
    static final String OFFLINE_PROPERTY = "ai.djl.offline";

    /** Where the forks' hs_err files go. */
    Path jmhDir() {
        return jmhDir;
    }

    /**
     * Options every fork gets: its hs_err file in the run's jmh/ folder, the test crash hook when armed, the
     * diagnostic knobs of the run and its libtorch thread count ({@code threads}: null keeps libtorch's default).
     */
    static List<String> forkJvmArgs(Path jmhDir, Diagnostics diagnostics, Integer threads) {
        List<String> args = new ArrayList<>(ChildJvm.standardJvmArgs(jmhDir)); // hs_err into jmh/, forwarded settings
        args.removeIf(a -> a.startsWith("-D" + OFFLINE_PROPERTY + "=")); // the benchmarks' @Fork sets it
        List<String> more = new ArrayList<>();
        more.add(org.medfusion.natives.Natives.forkJvmArg()); // the parent's native fallback decision (-Dmedfusion.onednn)
        String hook = ForkCrashHook.forkOption();
        if (hook != null) {
            more.add(hook);
        }
        more.addAll(diagnostics.jvmArgs());
        if (threads != null) {
            more.add(MeasureSettings.threadsJvmArg(threads));
        }
        more.forEach(a -> ChildJvm.putProperty(args, a));
        return args;
    }

    /**
     * Runs the {@code kind} run (memory, time, recompute) of {@code key} with {@code options}, its JSON result and log
     * named {@code <stem>-<kind>} ({@code stem}: the cell's id, or more where one cell coordinate runs several plans).
     *
     * @throws ForkFailure classified, when the run failed
     * @throws JmhLockTimeoutException when JMH's lock stayed held past the timeout
     */
    List<RunResult> run(CellKey key, String stem, String kind, ChainedOptionsBuilder options) {
        Path log = jmhDir.resolve(stem + "-" + kind + ".log");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Set<Path> hsErrBefore = Set.of();
        try {
            Files.createDirectories(jmhDir);
            hsErrBefore = hsErrFiles(jmhDir);
            options.result(jmhDir.resolve(stem + "-" + kind + ".json").toString()).resultFormat(ResultFormatType.JSON);
            PrintStream sink = new PrintStream(new Tee(captured, console == null ? null : new WriterStream(console)), true,
                    StandardCharsets.UTF_8);
            Collection<RunResult> results = runHoldingJmhLock(new Runner(options.build(),
                    OutputFormatFactory.createFormatInstance(sink, VerboseMode.NORMAL)), key, kind);
            writeLog(log, captured);
            if (results.isEmpty()) {
                throw ForkFailure.classify(captured.toString(StandardCharsets.UTF_8), kind, newHsErr(jmhDir, hsErrBefore));
            }
            return new ArrayList<>(results);
        } catch (RunnerException | RuntimeException | IOException e) {
            writeLog(log, captured);
            if (e instanceof ForkFailure || e instanceof JmhLockTimeoutException) {
                throw (RuntimeException) e;
            }
            throw ForkFailure.classify(captured.toString(StandardCharsets.UTF_8) + "\n" + e, kind, newHsErr(jmhDir, hsErrBefore));
        }
    }

    /**
     * Runs JMH, waiting while another process holds JMH's machine-wide lock (JMH itself gives up at once with
     * "Unable to acquire the JMH lock"). Says once on the console that it waits, and for what.
     */
    private Collection<RunResult> runHoldingJmhLock(Runner runner, CellKey key, String kind) throws RunnerException {
        long deadline = System.nanoTime() + lockTimeout.toNanos();
        boolean announced = false;
        while (true) {
            try {
                return runner.run();
            } catch (RunnerException e) {
                if (e.getMessage() == null || !e.getMessage().contains(JMH_LOCK_BUSY)) {
                    throw e;
                }
                if (System.nanoTime() >= deadline) {
                    throw new JmhLockTimeoutException("JMH's machine-wide lock " + lockFile() + " is still held by another"
                            + " process after " + lockTimeout.toSeconds() + " s (--lock-timeout); nothing was written for "
                            + key.id() + ", re-run to resume");
                }
                if (!announced && notices != null) {
                    notices.println("waiting for JMH's machine-wide lock " + lockFile() + " (another JMH run holds it) before the "
                            + kind + " run of " + key.id() + "; giving up after " + lockTimeout.toSeconds() + " s (--lock-timeout)");
                    notices.flush();
                }
                announced = true;
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new JmhLockTimeoutException("interrupted while waiting for JMH's lock " + lockFile());
                }
            }
        }
    }

    private static Set<Path> hsErrFiles(Path jmhDir) {
        try (Stream<Path> files = Files.list(jmhDir)) {
            return Set.copyOf(files.filter(f -> f.getFileName().toString().startsWith("hs_err_")).toList());
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** The hs_err file a crashed fork of this run wrote (the newest new one), or null. */
    private static Path newHsErr(Path jmhDir, Set<Path> before) {
        return hsErrFiles(jmhDir).stream().filter(f -> !before.contains(f))
                .max((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified())).orElse(null);
    }

    private static void writeLog(Path log, ByteArrayOutputStream captured) {
        try {
            Files.write(log, captured.toByteArray());
        } catch (IOException ignored) {
            // the log is a convenience; the result carries the message
        }
    }

    /** Bytes to a writer, decoded as UTF-8 line by line (and on flush): JMH's progress to the command's err stream. */
    private static final class WriterStream extends OutputStream {
        private final PrintWriter writer;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        WriterStream(PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int c) {
            line.write(c);
            if (c == '\n') {
                flush();
            }
        }

        @Override
        public void flush() {
            if (line.size() > 0) {
                writer.write(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
            writer.flush();
        }
    }

    /** Writes to a buffer and, when given, to the console too. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            if (b != null) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            if (b != null) {
                b.write(buf, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            if (b != null) {
                b.flush();
            }
        }
    }
}
