package org.medfusion.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.medfusion.bench.CellMeasurer;
import org.medfusion.bench.MeasureSettings;
import org.medfusion.bench.RunSettings;
import org.medfusion.checkpoint.Split;
import org.medfusion.planner.BudgetVerification;
import org.medfusion.platform.ByteSize;
import org.medfusion.planner.MemoryModel;
import org.medfusion.planner.ModelProfile;
import org.medfusion.planner.PlannedSegments;
import org.medfusion.planner.ProfileCache;
import org.medfusion.planner.ProfileKey;
import org.medfusion.planner.SegmentPlanner;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code plan}: the plan of least predicted recompute time whose predicted step peak fits a memory budget,
 * over every segment count and every choice of stored or recomputed segments, from the model's measured profile.
 * Exit 0 with the plan; 1 (one line naming the least possible peak) when no plan fits; 2 on bad input. With
 * {@code --measure} exactly that plan is measured at once: as a {@code split: optimal} cell of its segment count
 * whose forks are given the explicit plan ({@link org.medfusion.planner.OptimalSplit#EXPLICIT_PLAN_PROPERTY}),
 * since stored segments are no cell coordinate; a one-segment plan as the plain cell. A plan whose measured peak
 * exceeds the budget is not reported as fitting: the planner is asked again with the prediction's error taken off
 * the budget ({@link BudgetVerification}, up to {@link #MAX_MEASURED_PLANS} plans); exit 1 when none measured within
 * it, 4 when a measurement failed.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Least-recompute checkpoint plan whose predicted peak fits a memory budget.")
public final class PlanCommand implements Callable<Integer> {


    @Mixin
    ProfileOptions options;

    @Mixin
    LockTimeoutOption lockTimeout;

    @Option(names = "--budget", description = "Peak memory budget of a step above its steady state: bytes, or e.g. 150MiB, 1.5GiB.")
    String budget;

    @Option(names = "--compare", description = "Instead of a budget: print the predicted peak and recompute time of the uniform, torch and optimal splits at this segment count.")
    Integer compare;

    @Option(names = "--format", converter = OutputFormat.JsonOrTable.class, defaultValue = "json", description = "json or table (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Option(names = "--measure", description = "Measure the chosen plan at once (peak and step time, as measure does).")
    boolean measure;

    @Option(names = "--sweep", paramLabel = "<budgets>", description = "Instead of a budget: plan and measure this many budgets from the least "
            + "possible peak to the plain step's, plus the uniform and torch splits at 2, 4 and 8 segments; writes sweep.csv, sweep.md and "
            + "the pareto chart into --out (planner fidelity, docs/planner.md).")
    Integer sweep;

    @Option(names = "--out", paramLabel = "<dir>", description = "With --sweep: the folder for sweep.csv, sweep.md and pareto.png/.svg.")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((budget != null ? 1 : 0) + (compare != null ? 1 : 0) + (sweep != null ? 1 : 0) != 1) {
            throw new IllegalArgumentException("give exactly one of --budget, --compare or --sweep");
        }
        if (sweep != null && (sweep < 2 || sweep > MAX_SWEEP_BUDGETS)) {
            throw new IllegalArgumentException("--sweep must be between 2 and " + MAX_SWEEP_BUDGETS + " budgets, got " + sweep);
        }
        if ((sweep == null) != (out == null)) {
            throw new IllegalArgumentException(sweep == null ? "--out is for --sweep" : "--sweep needs --out <dir> for its table and chart");
        }
        long budgetBytes = budget == null ? 0 : ByteSize.parse(budget); // bad input fails before anything is measured
        java.time.Duration lockWait = lockTimeout.value();
        ProfileKey key = options.key();
        NativesMissingException.ensureCovered(java.util.List.of(new org.medfusion.backbones.ConvShapes.ModelAtSize(key.model(), key.res()))); // before its workers run
        ModelProfile profile = ProfileCache.standard().loadOrMeasure(key, false);
        MemoryModel memory = profile.memoryModel();
        long planningStart = System.nanoTime();
        SegmentPlanner planner = new SegmentPlanner(memory);
        if (compare != null) {
            return compare(memory, planner, compare);
        }
        if (sweep != null) {
            return new PlanSweep(spec.commandLine().getOut(), spec.commandLine().getErr(), lockWait).run(key, memory, sweep, out);
        }
        Optional<PlannedSegments> plan = planner.cheapestWithin(budgetBytes);
        double planningMs = (System.nanoTime() - planningStart) / 1e6; // the search alone: profile loaded, nothing measured
        PrintWriter out = spec.commandLine().getOut();
        if (plan.isEmpty()) {
            long min = planner.minimumPeak();
            spec.commandLine().getErr().println("no plan fits " + ByteSize.mib(budgetBytes) + " (" + budgetBytes
                    + " bytes): the least predicted peak of " + options.model + " at batch " + options.batch + ", " + options.res + " px is "
                    + ByteSize.mib(min) + " (" + min + " bytes)");
            return ExitCodes.FAILED;
        }
        PlannedSegments p = plan.get();
        if (!measure) {
            out.println(format == OutputFormat.JSON ? toJson(p, budgetBytes, memory.plainStepMs(), planningMs, null, null)
                    : toTable(p, budgetBytes, planningMs, null));
            out.flush();
            return ExitCodes.OK;
        }
        BudgetVerification v = BudgetVerification.run(budgetBytes, p, planner::cheapestWithin, q -> {
            try {
                return measure(key, q, lockWait);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, MAX_MEASURED_PLANS);
        BudgetVerification.Attempt last = v.last();
        out.println(format == OutputFormat.JSON ? toJson(last.plan(), budgetBytes, memory.plainStepMs(), planningMs, last.measured(), v)
                : toTable(last.plan(), budgetBytes, planningMs, last.measured()));
        out.flush();
        if (last.measured().status() != org.medfusion.results.CellStatus.OK || last.measured().peakBytes() == null) {
            spec.commandLine().getErr().println("the plan " + last.plan().plan().spec() + " could not be measured ("
                    + last.measured().status().label() + ": " + last.measured().message() + ")");
            return ExitCodes.ERROR;
        }
        if (!v.fits()) {
            spec.commandLine().getErr().println("no plan measured within " + ByteSize.mib(budgetBytes) + ": the last of "
                    + v.attempts().size() + " measured plans (" + last.plan().plan().spec() + ") peaked at "
                    + ByteSize.mib(last.measured().peakBytes()) + " (predicted " + ByteSize.mib(last.plan().predictedPeakBytes()) + ")");
            return ExitCodes.FAILED;
        }
        return ExitCodes.OK;
    }

    /** The most budgets {@code --sweep} measures (each is one or more measured cells). */
    static final int MAX_SWEEP_BUDGETS = 50;

    /** How many plans {@code --measure} measures while a measured peak exceeds the budget ({@link BudgetVerification}). */
    static final int MAX_MEASURED_PLANS = 3;

    private int compare(MemoryModel memory, SegmentPlanner planner, int segments) {
        PrintWriter out = spec.commandLine().getOut();
        int n = memory.blockCount();
        if (segments < 1 || segments > n) {
            throw new IllegalArgumentException("--compare segments for " + options.model + " must be between 1 and " + n + ", got " + segments);
        }
        out.println("split,segments,plan,predicted_peak_bytes,predicted_overhead_ms");
        for (Split split : Split.values()) {
            org.medfusion.checkpoint.SegmentPlan plan = split.needsProfile() ? planner.leastPeak(segments).plan()
                    : split.policy().plan(n, segments);
            MemoryModel.Prediction p = memory.predict(plan);
            out.printf(Locale.ROOT, "%s,%d,\"%s\",%d,%.1f%n", split.label(), segments, plan, p.peakBytes(), p.overheadMs());
        }
        out.flush();
        return ExitCodes.OK;
    }

    private CellResult measure(ProfileKey key, PlannedSegments p, java.time.Duration lockWait) throws java.io.IOException {
        Path dir = Files.createTempDirectory("medfusion-plan");
        CellMeasurer measurer = new CellMeasurer(new MeasureSettings(new RunSettings(1, 3, 1), new RunSettings(1, 2, 1)), dir,
                spec.commandLine().getErr(), lockWait, spec.commandLine().getErr());
        return measurePlan(measurer, key, p);
    }

    /** Measures exactly {@code p}: the plain cell when it recomputes nothing, else its segment count with the explicit plan. */
    static CellResult measurePlan(CellMeasurer measurer, ProfileKey key, PlannedSegments p) {
        boolean plain = p.plan().recomputesNothing();
        CellKey cell = new CellKey(key.model(), key.batch(), key.res(), plain ? 0 : p.segments(), Split.OPTIMAL, key.precision(), key.device());
        return (plain ? measurer : measurer.withExplicitPlan(p.plan())).measure(cell);
    }

    static String toJson(PlannedSegments p, long budgetBytes, double plainStepMs, double planningMs, CellResult measured,
            BudgetVerification verification) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode n = m.createObjectNode();
        n.put("budget_bytes", budgetBytes);
        n.put("segments", p.segments());
        p.boundaries().forEach(n.putArray("boundaries")::add);
        p.recomputed().forEach(n.putArray("recomputed")::add);
        n.put("plan", p.plan().spec());
        n.put("predicted_peak_bytes", p.predictedPeakBytes());
        n.put("predicted_overhead", Math.round(p.predictedOverheadMs() * 100) / 100.0);
        n.put("predicted_overhead_unit", "ms");
        n.put("predicted_overhead_fraction", plainStepMs > 0 ? Math.round(p.predictedOverheadMs() / plainStepMs * 1000) / 1000.0 : 0);
        n.put("planning_ms", Math.round(planningMs * 100) / 100.0);
        if (measured != null) {
            n.put("measured_status", measured.status().label());
            if (measured.peakBytes() == null) {
                n.putNull("measured_peak_bytes");
            } else {
                n.put("measured_peak_bytes", measured.peakBytes());
            }
            if (measured.stepMsMedian() == null) {
                n.putNull("measured_step_ms");
            } else {
                n.put("measured_step_ms", measured.stepMsMedian());
            }
            n.put("measured_message", measured.message());
        }
        if (verification != null) {
            n.put("measured_fits_budget", verification.fits());
            var attempts = n.putArray("attempts");
            for (BudgetVerification.Attempt a : verification.attempts()) {
                ObjectNode an = attempts.addObject();
                an.put("plan", a.plan().plan().spec());
                an.put("planned_for_bytes", a.plannedForBytes());
                an.put("predicted_peak_bytes", a.plan().predictedPeakBytes());
                an.put("status", a.measured().status().label());
                if (a.measured().peakBytes() == null) {
                    an.putNull("measured_peak_bytes");
                } else {
                    an.put("measured_peak_bytes", a.measured().peakBytes());
                }
            }
        }
        return m.writeValueAsString(n);
    }

    static String toTable(PlannedSegments p, long budgetBytes, double planningMs, CellResult measured) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "budget %s: %d segments %s (r recomputed, s stored), predicted peak %s, recompute %.1f ms (planned in %.1f ms)",
                ByteSize.mib(budgetBytes), p.segments(), p.plan().spec(), ByteSize.mib(p.predictedPeakBytes()), p.predictedOverheadMs(),
                planningMs));
        if (measured != null) {
            sb.append(String.format(Locale.ROOT, "%nmeasured: %s, peak %s, step %s ms", measured.status().label(),
                    measured.peakBytes() == null ? "missing" : ByteSize.mib(measured.peakBytes()),
                    measured.stepMsMedian() == null ? "missing" : String.format(Locale.ROOT, "%.1f", measured.stepMsMedian())));
        }
        return sb.toString();
    }
}
