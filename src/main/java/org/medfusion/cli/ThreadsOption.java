package org.medfusion.cli;

import picocli.CommandLine.Option;

/** {@code --threads}: libtorch's intra-op threads in the JVMs that measure ({@code measure}, {@code step-trace}), as a picocli mixin. */
public final class ThreadsOption {

    @Option(names = "--threads", paramLabel = "<n>", description = "libtorch intra-op threads of the measuring JVMs (default: libtorch's,"
            + " one per core).")
    Integer threads;

    /** The count, or null for libtorch's default. @throws IllegalArgumentException (a usage error) below 1 */
    Integer value() {
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads != null && (threads < 1 || threads > cores)) {
            throw new IllegalArgumentException("--threads must be between 1 and the " + cores + " cores of this machine"
                    + " (more threads than cores only make every thread wait), got " + threads);
        }
        return threads;
    }
}
