package org.medfusion.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a tool of the machine that is not a JVM ({@code git}, {@code nvidia-smi}, {@code python3}) for its output.
 * JVMs of this project start through {@link ChildJvm} instead; with this class, no other package starts a process.
 */
public final class ExternalCommand {

    private ExternalCommand() {
    }

    /** The stdout lines of {@code cmd} when it exits 0 within {@code timeout}; empty otherwise (missing, failed, slow). */
    public static Optional<List<String>> output(List<String> cmd, Duration timeout) {
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(new String(out, StandardCharsets.UTF_8).lines().toList()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** What a command did: its exit status (124: timed out, 127: could not start, 130: interrupted), stdout and stderr. */
    public record Outcome(int exit, String stdout, String stderr) {
    }

    /**
     * Runs {@code cmd} with {@code env} added to this process's environment, both streams captured in temp files (a
     * chatty stderr cannot block it), killed after {@code timeout}. For tools whose failure is a result to report
     * (the PyTorch reference's {@code python3}), not an absence.
     */
    public static Outcome run(List<String> cmd, java.util.Map<String, String> env, Duration timeout) {
        java.nio.file.Path out = null;
        java.nio.file.Path err = null;
        try {
            out = java.nio.file.Files.createTempFile("external", ".out");
            err = java.nio.file.Files.createTempFile("external", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Outcome(124, "", "timed out after " + timeout.toSeconds() + " s");
            }
            return new Outcome(p.exitValue(), java.nio.file.Files.readString(out, StandardCharsets.UTF_8),
                    java.nio.file.Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Outcome(127, "", String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(130, "", "interrupted");
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(java.nio.file.Path p) {
        if (p != null) {
            try {
                java.nio.file.Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }
}
