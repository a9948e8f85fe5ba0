package org.medfusion.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.medfusion.results.CellResult;
import org.medfusion.gate.RegressionGate;
import org.medfusion.results.ReportDataException;
import org.medfusion.results.StoredCells;
import org.medfusion.results.RunManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gate <baseline-run> <candidate-run>}: the CI regression gate (see {@link RegressionGate}).
 * Exit 0 when nothing regressed, {@link ExitCodes#FAILED} (1) when something did, 3 for missing or
 * corrupt runs. Warns when the two runs come from different machines (times are then not comparable).
 */
@Command(name = "gate", mixinStandardHelpOptions = true,
        description = "Fails (exit 1) when a run regressed against a baseline run: memory beyond a tolerance,"
                + " time beyond noise (non-overlapping 95%% CIs) and a tolerance, or a cell no longer ok.")
public final class GateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "<baseline-run>")
    Path baseline;

    @Parameters(index = "1", paramLabel = "<candidate-run>")
    Path candidate;

    @Option(names = "--memory-tolerance", defaultValue = "2", description = "Allowed peak-memory growth in %% (default: ${DEFAULT-VALUE}).")
    double memoryTolerance;

    @Option(names = "--time-tolerance", defaultValue = "5", description = "Allowed step-time growth in %% beyond the CIs (default: ${DEFAULT-VALUE}).")
    double timeTolerance;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<CellResult> base = load(baseline);
        List<CellResult> cand = load(candidate);
        if (RunManifest.exists(baseline) && RunManifest.exists(candidate)) {
            String a = machine(RunManifest.read(baseline));
            String b = machine(RunManifest.read(candidate));
            if (!a.equals(b)) {
                err.println("warning: runs come from different machines (" + a + " vs " + b + "); time comparisons are not meaningful");
            }
        }
        RegressionGate.Verdict v = RegressionGate.evaluate(base, cand, memoryTolerance, timeTolerance);
        v.regressions().forEach(out::println);
        out.printf("gate: %d cells compared, %d not compared (not ok in the baseline), %d regressions: %s%n",
                v.compared(), v.notCompared(), v.regressions().size(), v.passed() ? "PASS" : "FAIL");
        out.flush();
        return v.passed() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static String machine(RunManifest m) {
        return m.environment().cpuModel() + " / " + m.environment().gpuName();
    }

    private static List<CellResult> load(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            throw new ReportDataException("run directory " + runDir + " does not exist");
        }
        List<CellResult> cells = StoredCells.load(runDir).cells();
        if (cells.isEmpty()) {
            throw new ReportDataException("no results in " + runDir);
        }
        return cells;
    }
}
