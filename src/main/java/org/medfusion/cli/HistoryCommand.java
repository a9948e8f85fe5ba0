package org.medfusion.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.medfusion.history.History;
import org.medfusion.history.HistoryCheck;
import org.medfusion.history.HistoryRuns;
import org.medfusion.history.HistorySite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code history --out <site dir> <run dirs or results folders...>}: a static site of every cell's peak memory and
 * step time over the runs found, regressions marked, each point linked to its run's report. Prints the index
 * page last. With {@code --check}, change points ({@link HistoryCheck}) too: exit 1 when a regression of peak memory or
 * the paired ratio starts among the newest runs, 0 otherwise.
 */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "Writes a static history site (index.html, one page per cell) from run directories or results folders.")
public final class HistoryCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "<site dir>", description = "folder of the site (created)")
    Path out;

    @Option(names = "--memory-tolerance", defaultValue = org.medfusion.gate.GateOptions.MEMORY_TOLERANCE_PCT, paramLabel = "<pct>",
            description = "peak memory above the previous run's by more than this (and the floor) marks a regression; default ${DEFAULT-VALUE} %%")
    double memoryTolerance;

    @Option(names = "--memory-floor", defaultValue = org.medfusion.gate.GateOptions.MEMORY_FLOOR, paramLabel = "<size>",
            description = "a peak is marked only when it also grew by more than this (bytes or e.g. 2MiB, 0 = off); default ${DEFAULT-VALUE}")
    String memoryFloor;

    @Option(names = "--time-tolerance", defaultValue = "5", paramLabel = "<pct>",
            description = "step-time CI above the previous run's CI by more than this marks a regression; default ${DEFAULT-VALUE} %%")
    double timeTolerance;

    @Option(names = "--check", description = "change-point detection over each cell's runs (E-divisive means, docs/history-check.md):"
            + " marks them on the site and exits 1 when a regression of peak memory or the paired ratio starts among the newest --recent runs")
    boolean check;

    @Option(names = "--max-pvalue", defaultValue = HistoryCheck.Settings.MAX_P_VALUE, paramLabel = "<p>",
            description = "with --check: significance of a change point (t-test between its segments); default ${DEFAULT-VALUE}")
    double maxPValue;

    @Option(names = "--ratio-effect", defaultValue = org.medfusion.gate.GateOptions.RATIO_EFFECT_PCT, paramLabel = "<pct>",
            description = "with --check: a paired-ratio change point must move the mean by more than this; default ${DEFAULT-VALUE} %%")
    double ratioEffect;

    @Option(names = "--unstable-cv", defaultValue = HistoryCheck.Settings.UNSTABLE_CV_PCT, paramLabel = "<pct>",
            description = "with --check: a metric whose runs spread more than this around their segments' means is labelled"
                    + " unstable and never alarms; default ${DEFAULT-VALUE} %%")
    double unstableCv;

    @Option(names = "--recent", defaultValue = HistoryCheck.Settings.RECENT_RUNS, paramLabel = "<runs>",
            description = "with --check: a regression alarms while it starts among the newest this many runs; default ${DEFAULT-VALUE}")
    int recent;

    @Parameters(arity = "1..*", paramLabel = "<run dir or folder>", description = "run directories, or folders searched for them")
    List<Path> inputs;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        History.Tolerances tolerances = new History.Tolerances(memoryTolerance, org.medfusion.gate.GateOptions.memoryFloor(memoryFloor), timeTolerance);
        HistoryCheck.Settings settings = new HistoryCheck.Settings(maxPValue, ratioEffect, unstableCv, recent); // validated first
        History history = new History(HistoryRuns.load(inputs), tolerances);
        HistoryCheck result = check ? new HistoryCheck(history, settings) : null;
        Path index = HistorySite.write(history, result, out);
        var w = spec.commandLine().getOut();
        w.println(history.runs().size() + " runs, " + history.series().size() + " cells, "
                + history.series().values().stream().filter(s -> s.latest().regression()).count()
                + " cells regressed in the latest run");
        if (result != null) {
            result.lines().forEach(w::println);
        }
        w.println(index.toAbsolutePath());
        w.flush();
        return result != null && !result.alarms().isEmpty() ? ExitCodes.FAILED : ExitCodes.OK;
    }
}
