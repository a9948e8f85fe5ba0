package org.medfusion.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.medfusion.history.History;
import org.medfusion.history.HistoryRuns;
import org.medfusion.history.HistorySite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code history --out <site dir> <run dirs or results folders...>}: a static site of every cell's peak memory and
 * step time over the runs found, regressions marked, each point linked to its run's report. Prints the index
 * page last.
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

    @Parameters(arity = "1..*", paramLabel = "<run dir or folder>", description = "run directories, or folders searched for them")
    List<Path> inputs;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        History.Tolerances tolerances = new History.Tolerances(memoryTolerance, org.medfusion.gate.GateOptions.memoryFloor(memoryFloor), timeTolerance);
        History history = new History(HistoryRuns.load(inputs), tolerances);
        Path index = HistorySite.write(history, out);
        var w = spec.commandLine().getOut();
        w.println(history.runs().size() + " runs, " + history.series().size() + " cells, "
                + history.series().values().stream().filter(s -> s.latest().regression()).count()
                + " cells regressed in the latest run");
        w.println(index.toAbsolutePath());
        w.flush();
        return 0;
    }
}
