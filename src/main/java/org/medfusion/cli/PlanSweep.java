package org.medfusion.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.medfusion.bench.CellMeasurer;
import org.medfusion.bench.MeasureSettings;
import org.medfusion.bench.RunSettings;
import org.medfusion.natives.Natives;
import org.medfusion.planner.BudgetSweep;
import org.medfusion.planner.MemoryModel;
import org.medfusion.planner.ProfileKey;
import org.medfusion.platform.LoadAverage;
import org.medfusion.report.SweepReport;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;

/**
 * {@code plan --sweep N --out DIR}: {@link BudgetSweep} measured with the same forks as {@code plan --measure} (one
 * memory fork, one timing fork with a plain step before each checkpointed one), JMH's files and any crash log kept
 * under {@code DIR/cells}. Exit 0 when every budget was kept, 1 when one was not, 4 when a measurement failed.
 */
final class PlanSweep {

    /** Segment counts at which the uniform and torch splits are measured beside the budgets. */
    static final List<Integer> SPLIT_SEGMENTS = List.of(2, 4, 8);
    /**
     * Settings of every sweep cell: more timed steps than {@code plan --measure}, since recompute time is compared; three
     * warm-up steps, as a fresh fork's first steps still run slow (the recompute fork gets {@link MeasureSettings#recompute()}).
     */
    static final MeasureSettings SETTINGS = new MeasureSettings(new RunSettings(3, 5, 1), new RunSettings(1, 2, 1));

    private final PrintWriter out;
    private final PrintWriter err;
    private final Duration lockWait;

    PlanSweep(PrintWriter out, PrintWriter err, Duration lockWait) {
        this.out = out;
        this.err = err;
        this.lockWait = lockWait;
    }

    int run(ProfileKey key, MemoryModel memory, int budgets, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Double> loadBefore = LoadAverage.now();
        // the recompute forks also time the whole chain's forward: the recompute is compared at the profile's speed too
        CellMeasurer measurer = new CellMeasurer(SETTINGS, dir.resolve("cells"), err, lockWait, err).withChainReference(true);
        BudgetSweep sweep = BudgetSweep.run(memory, budgets, SPLIT_SEGMENTS, p -> {
            err.println("sweep: measuring " + (p.plan().recomputesNothing() ? "the plain step" : p.plan().spec()));
            return PlanCommand.measurePlan(measurer, key, p);
        }, (split, s) -> {
            err.println("sweep: measuring the " + split.label() + " split at " + s + " segments");
            return measurer.measure(new CellKey(key.model(), key.batch(), key.res(), s, split, key.precision(), key.device()));
        }, PlanCommand.MAX_MEASURED_PLANS);
        List<Double> loadAfter = LoadAverage.now();
        String title = String.format(Locale.ROOT, "%s, batch %d, %d px, %s, %s", key.model(), key.batch(), key.res(),
                key.precision().label(), key.device().label());
        String measuredWith = String.format(Locale.ROOT, "Measured by `plan --sweep %d`: peaks as `measure` (cpu.rss.peak, %d memory "
                + "fork, %d warm-up + %d measured steps, median), step times in %d timing fork (%d warm-up + %d measured steps, each "
                + "checkpointed step paired with a plain step run just before it), the recompute alone in %d forks of its own (%d "
                + "warm-up + %d measured calls each, the median of the forks' medians, timed again in as many forks when they "
                + "disagree; before each measured call the whole chain's forward with grad, the fork's speed); libtorch threads: %s; native fallback: %s; "
                + "load average (1, 5, 15 min) %s before, %s after.", budgets, SETTINGS.memory().forks(), SETTINGS.memory().warmup(),
                SETTINGS.memory().iterations(), SETTINGS.timing().forks(), SETTINGS.timing().warmup(), SETTINGS.timing().iterations(),
                SETTINGS.recompute().forks(), SETTINGS.recompute().warmup(), SETTINGS.recompute().iterations(),
                SETTINGS.threads() == null ? "libtorch's default (one per core)" : SETTINGS.threads(), Natives.fallbackDescription(),
                loadBefore.isEmpty() ? "unknown" : loadBefore, loadAfter.isEmpty() ? "unknown" : loadAfter);
        SweepReport report = new SweepReport(title, measuredWith, sweep, SETTINGS.recompute().forks());
        try {
            report.write(dir);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        out.print(report.markdown());
        out.println("written: " + dir.resolve("sweep.md") + ", " + dir.resolve("sweep.csv") + ", " + dir.resolve("pareto.svg"));
        out.flush();
        boolean failed = sweep.points().stream().anyMatch(p -> p.measured().status() != CellStatus.OK)
                || sweep.splits().stream().map(BudgetSweep.SplitPoint::measured).map(CellResult::status).anyMatch(s -> s != CellStatus.OK);
        if (failed) {
            err.println("sweep: a measurement failed (see the status column of " + dir.resolve("sweep.csv") + ")");
            return ExitCodes.ERROR;
        }
        if (!sweep.violations().isEmpty()) {
            err.println("sweep: " + sweep.violations().size() + " budget(s) not kept by measurement (see " + dir.resolve("sweep.md") + ")");
            return ExitCodes.FAILED;
        }
        return ExitCodes.OK;
    }
}
