package org.medfusion.cli;

/**
 * Exit codes of every subcommand of {@code benchmarks.jar}. Commands return only these constants; an exception a
 * command throws is mapped to one of them in one place, {@code Main.exitCodeOf}.
 * <ul>
 * <li>{@link #OK} 0: success. For {@code run}: every cell is a result, {@code ok} or {@code oom} (an out-of-memory is
 * a recorded result, so there is no OOM exit code).</li>
 * <li>{@link #FAILED} 1: a check ran and failed (verify found a mismatch, a regression gate found a figure worse
 * than its baseline).</li>
 * <li>{@link #USAGE} 2: bad command line or input (unknown option, bad value, bad {@code --shard}, {@code --config}
 * a directory or a config whose name would leave {@code results/}, {@code --out} an unrelated non-empty directory,
 * a bad {@code --pattern}); one line naming it and what is allowed.</li>
 * <li>{@link #DATA} 3: bad or corrupt data or an environment that cannot measure: missing run directory, corrupt
 * cell JSON / manifest / raw.csv, shards that cannot be merged, natives missing, {@code --out} in use by another
 * {@code run} (its pid is named), JMH's machine-wide lock held past {@code --lock-timeout}, and for {@code run} a
 * cell this environment could not measure ({@code unsupported}: no GPU, mixed precision) when none failed.</li>
 * <li>{@link #ERROR} 4: a measurement or internal error. For {@code run}: some cell is {@code error} or
 * {@code crash} (the closing lines say which and why; a re-run measures them again).</li>
 * <li>{@link #INTERRUPTED} 130: interrupted (Ctrl-C or SIGTERM); finished cells are kept, the interrupted one
 * leaves nothing, and a re-run resumes.</li>
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
