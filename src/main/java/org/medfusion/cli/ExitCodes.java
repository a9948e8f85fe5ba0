package org.medfusion.cli;

/**
 * Exit codes of every subcommand of {@code benchmarks.jar}.
 * <ul>
 * <li>{@link #OK} 0: success (a run whose cells ran out of memory still succeeds: an OOM is a result).</li>
 * <li>{@link #FAILED} 1: an unexpected failure (I/O error, bug); the message says what.</li>
 * <li>{@link #USAGE} 2: bad command line (unknown option, missing argument, bad {@code --shard}); picocli's
 * usage-error code.</li>
 * <li>{@link #DATA} 3: bad or corrupt data: missing run directory, corrupt cell JSON / manifest / raw.csv,
 * shards that cannot be merged.</li>
 * <li>{@link #GATE} 4: a regression gate found a figure worse than its baseline (for CI).</li>
 * <li>{@link #INTERRUPTED} 130: interrupted (Ctrl-C / SIGTERM); finished cells are kept and a re-run resumes.</li>
 * </ul>
 * There is no "OOM" exit code: out-of-memory cells are recorded in the results with status {@code oom}.
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int DATA = 3;
    public static final int GATE = 4;
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
