package org.medfusion.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.medfusion.gate.Baselines;
import org.medfusion.gate.EnvironmentKey;
import org.medfusion.gate.GateOptions;
import org.medfusion.gate.GateOutputs;
import org.medfusion.gate.RegressionGate;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.results.CellResult;
import org.medfusion.results.ReportDataException;
import org.medfusion.results.RunManifest;
import org.medfusion.results.StoredCells;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gate [<baseline-run>] <candidate-run>}: the CI regression gate (see {@link RegressionGate}). With one run,
 * the baseline is {@code --baseline DIR} or else the newest of the candidate's environment under
 * {@code --baselines} ({@link Baselines}). Exit 0 pass, 1 a check failed, 2 bad option, 3 refused (different
 * configs, nothing compared, no baseline) or bad data.
 */
@Command(name = "gate", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = ExitCodes.USAGE,
        description = "Fails (exit 1) when a run regressed against a baseline run: a cell no longer ok, peak memory"
                + " or saving beyond a tolerance, or a step slower (checkpointed/plain ratio; absolute times when"
                + " the environments match) by a rank test plus a minimum effect.")
public final class GateCommand implements Callable<Integer> {

    @Parameters(index = "0..1", arity = "1..2", paramLabel = "<run>", description = "[<baseline-run>] <candidate-run>")
    List<Path> runs;

    @Option(names = "--baseline", paramLabel = "<dir>", description = "baseline run (instead of the newest baseline"
            + " of the candidate's environment)")
    Path baselineOption;

    @Option(names = "--baselines", paramLabel = "<dir>", defaultValue = "results/baselines",
            description = "root of saved baselines (default: ${DEFAULT-VALUE})")
    Path baselinesRoot;

    @Option(names = "--memory-tolerance", defaultValue = GateOptions.MEMORY_TOLERANCE_PCT, description = "allowed peak growth in %%"
            + " (default: ${DEFAULT-VALUE})")
    double memoryTolerance;

    @Option(names = "--memory-floor", paramLabel = "<size>", defaultValue = GateOptions.MEMORY_FLOOR, description = "a peak fails only"
            + " when it also grew by more than this (bytes or e.g. 2MiB, 0 = off; default: ${DEFAULT-VALUE}): small peaks"
            + " move by about a MiB of the JVM's own from run to run")
    String memoryFloor;

    @Option(names = "--saving-tolerance", defaultValue = GateOptions.SAVING_TOLERANCE_POINTS, description = "allowed loss of a saving, in percentage"
            + " points of the plain peak (default: ${DEFAULT-VALUE})")
    double savingTolerance;

    @Option(names = "--ratio-effect", defaultValue = GateOptions.RATIO_EFFECT_PCT, description = "minimum slowdown of the checkpointed/plain"
            + " ratio that fails, in %% (default: ${DEFAULT-VALUE})")
    double ratioEffect;

    @Option(names = {"--time-effect", "--time-tolerance"}, defaultValue = GateOptions.TIME_EFFECT_PCT, description = "minimum slowdown of an"
            + " absolute step time that fails, in %% (default: ${DEFAULT-VALUE}; A/A runs of one build on an idle machine"
            + " moved absolute medians by up to 8%%)")
    double timeEffect;

    @Option(names = "--alpha", defaultValue = GateOptions.ALPHA, description = "significance level of the rank test (default:"
            + " ${DEFAULT-VALUE})")
    double alpha;

    @Option(names = "--allow-config-change", description = "compare runs of different configs instead of refusing")
    boolean allowConfigChange;

    @Option(names = "--ratio-only", description = "report absolute step times without gating them")
    boolean ratioOnly;

    @Option(names = "--junit", paramLabel = "<file>", description = "write JUnit XML (one test case per cell and check)")
    Path junit;

    @Option(names = "--markdown", paramLabel = "<file>", description = "write a Markdown summary")
    Path markdown;

    @Option(names = "--format", converter = OutputFormat.TextOrJson.class, defaultValue = "text", description = "console output: text or json (default: ${DEFAULT-VALUE})")
    OutputFormat format;


    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GateOptions options = new GateOptions(memoryTolerance, GateOptions.memoryFloor(memoryFloor), savingTolerance, ratioEffect, timeEffect, alpha,
                allowConfigChange, !ratioOnly);
        if (runs.size() == 2 && baselineOption != null) {
            throw new IllegalArgumentException("--baseline given with two runs: pass either <baseline-run>"
                    + " <candidate-run> or --baseline <dir> <candidate-run>");
        }
        Path candidateDir = runs.get(runs.size() - 1);
        RegressionGate.Run candidate = load(candidateDir);
        Path baselineDir = runs.size() == 2 ? runs.get(0) : baselineOption;
        if (baselineDir == null) {
            if (candidate.manifest() == null) {
                throw new ReportDataException("no manifest.json in " + candidateDir
                        + ": cannot pick a baseline by environment; pass --baseline <dir>");
            }
            baselineDir = Baselines.newest(baselinesRoot, candidate.manifest()).orElseThrow(() -> new ReportDataException(
                    "no baseline of environment " + EnvironmentKey.of(candidate.manifest().environment())
                            + " and config " + candidate.manifest().configName() + " under " + baselinesRoot
                            + "; save one with `baseline save <run>` or pass --baseline <dir>"));
            err.println("gate: baseline " + baselineDir);
        }
        RegressionGate.Run baseline = load(baselineDir);
        if (baseline.manifest() != null && candidate.manifest() != null && !EnvironmentKey.of(baseline.manifest()
                .environment()).equals(EnvironmentKey.of(candidate.manifest().environment()))) {
            err.println("gate: environments differ (" + EnvironmentKey.of(baseline.manifest().environment()) + " vs "
                    + EnvironmentKey.of(candidate.manifest().environment())
                    + "): comparing checkpointed/plain ratios and memory; absolute times reported only");
        }
        RegressionGate.Verdict v = RegressionGate.evaluate(baseline, candidate, options);
        if (junit != null) {
            AtomicFiles.writeString(junit, GateOutputs.junit(v));
        }
        if (markdown != null) {
            AtomicFiles.writeString(markdown, GateOutputs.markdown(v));
        }
        if (format == OutputFormat.JSON) {
            out.print(GateOutputs.json(v));
        } else {
            v.failures().forEach(r -> out.println("REGRESSION " + r));
            out.println(GateOutputs.summaryLine(v));
        }
        out.flush();
        return v.passed() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static RegressionGate.Run load(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            throw new ReportDataException(Files.exists(runDir) ? runDir + " is a file, not a run directory"
                    : "run directory " + runDir + " does not exist");
        }
        List<CellResult> cells = StoredCells.load(runDir).cells();
        if (cells.isEmpty()) {
            throw new ReportDataException("no results in " + runDir);
        }
        return new RegressionGate.Run(runDir, RunManifest.exists(runDir) ? RunManifest.read(runDir) : null, cells);
    }
}
