package org.medfusion.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --lock-timeout}: how long a command that runs JMH waits for JMH's machine-wide
 * lock while another process holds it, as a picocli mixin ({@code run}, {@code measure}, {@code plan}, {@code capacity}).
 */
public final class LockTimeoutOption {

    @Option(names = "--lock-timeout", defaultValue = "3600", paramLabel = "<seconds>",
            description = "How long to wait while another process holds JMH's machine-wide lock (default: ${DEFAULT-VALUE}).")
    long seconds;

    /** The wait. @throws IllegalArgumentException (a usage error) below 0 */
    Duration value() {
        if (seconds < 0) {
            throw new IllegalArgumentException("--lock-timeout must be >= 0 seconds, got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }
}
