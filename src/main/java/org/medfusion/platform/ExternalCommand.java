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
}
