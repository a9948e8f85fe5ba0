package org.medfusion.cli;

/**
 * Exit codes of every subcommand of {@code benchmarks.jar} (the same numbers as the constants documented on
 * {@code Main}).
 * <ul>
 * <li>{@link #OK} 0: success. A run whose cells ran out of memory still succeeds: an OOM is a recorded result
 * (status {@code oom} in raw.csv), so there is no OOM exit code.</li>
 * <li>{@link #FAILED} 1: a check ran and failed (verify found a mismatch, a regression gate found a figure worse
 * than its baseline).</li>
 * <li>{@link #USAGE} 2: bad command line (unknown option, missing argument, bad {@code --shard}).</li>
 * <li>{@link #DATA} 3: bad or corrupt data or environment: missing run directory, corrupt cell JSON / manifest /
 * raw.csv, shards that cannot be merged, natives missing.</li>
 * <li>{@link #ERROR} 4: a measurement or internal error (I/O failure, bug); the message says what.</li>
 * <li>{@link #INTERRUPTED} 130: interrupted (Ctrl-C / SIGTERM); finished cells are kept and a re-run resumes.</li>
 * </ul>
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int DATA = 3;
    public static final int ERROR = 4;
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
