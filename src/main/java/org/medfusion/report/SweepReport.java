package org.medfusion.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.medfusion.bench.RecomputeForks;
import org.medfusion.planner.BudgetSweep;
import org.medfusion.results.CellResult;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.results.Csv;
import org.medfusion.results.Fmt;

/**
 * What {@code plan --sweep --out DIR} writes: {@code sweep.csv} (one row per budget and per split measured beside),
 * {@code sweep.md} (the same as a table, with the sweep's verdicts) and the {@code pareto} chart (PNG and SVG):
 * measured peak against measured step-time increase of every plan measured, the budgets' plans, uniform and PyTorch's
 * split each as a series, and the front of the plans no other beats in both.
 *
 * @param title what was swept, e.g. {@code resnet50, batch 16, 112 px, fp32, cpu}
 * @param measuredWith how the figures were measured (memory method, timing settings, threads, fallback, load)
 * @param recomputeForks forks of a cell's first recompute run ({@code MeasureSettings.recompute()}): a cell with more
 *     fork medians was timed again because those disagreed ({@link RecomputeForks})
 */
public record SweepReport(String title, String measuredWith, BudgetSweep sweep, int recomputeForks) {

    static final List<String> HEADER = List.of("budget_index", "budget_bytes", "plan_source", "segments", "plan", "attempts",
            "same_as_budget", "predicted_peak_bytes", "measured_peak_bytes", "peak_error", "kept_budget",
            "predicted_recompute_ms", "measured_recompute_ms", "recompute_error", "added_step_ms", "paired_ratio", "status",
            "recompute_fork_ms", "chain_forward_fork_ms", "recompute_at_profile_speed_ms", "recompute_error_at_profile_speed");

    /** The rows of {@code sweep.csv}: the budgets, smallest first, then the splits, then the plain step. */
    public String csv() {
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < sweep.points().size(); i++) {
            BudgetSweep.Point p = sweep.points().get(i);
            BudgetSweep.Figures f = p.figures();
            rows.add(List.of(String.valueOf(i), String.valueOf(p.budgetBytes()), "budget", String.valueOf(p.plan().segments()),
                    p.plan().plan().spec(), String.valueOf(p.verification().attempts().size()),
                    p.sameAsBudget() < 0 ? "" : String.valueOf(p.sameAsBudget()), String.valueOf(f.predictedPeakBytes()),
                    Fmt.exact(f.measuredPeakBytes()), Fmt.fixed(f.peakError(), 4), String.valueOf(p.kept()),
                    Fmt.fixed(f.predictedRecomputeMs(), 2), Fmt.fixed(f.measuredRecomputeMs(), 2), Fmt.fixed(f.recomputeError(), 4),
                    Fmt.fixed(f.addedMs(), 2), Fmt.fixed(f.pairedRatio(), 4), p.measured().status().label(), joinMs2(p.measured().recomputeForkMs()),
                    joinMs2(p.measured().chainForwardForkMs()), Fmt.fixed(sweep.recomputeAtProfileSpeedMs(f), 2),
                    Fmt.fixed(sweep.speedAdjustedRecomputeError(f), 4)));
        }
        for (BudgetSweep.SplitPoint s : sweep.splits()) {
            BudgetSweep.Figures f = s.figures();
            rows.add(List.of("", "", s.split().label(), String.valueOf(s.segments()), s.plan().plan().spec(), "1", "",
                    String.valueOf(f.predictedPeakBytes()), Fmt.exact(f.measuredPeakBytes()), Fmt.fixed(f.peakError(), 4), "",
                    Fmt.fixed(f.predictedRecomputeMs(), 2), Fmt.fixed(f.measuredRecomputeMs(), 2), Fmt.fixed(f.recomputeError(), 4),
                    Fmt.fixed(f.addedMs(), 2), Fmt.fixed(f.pairedRatio(), 4), s.measured().status().label(), joinMs2(s.measured().recomputeForkMs()),
                    joinMs2(s.measured().chainForwardForkMs()), Fmt.fixed(sweep.recomputeAtProfileSpeedMs(f), 2),
                    Fmt.fixed(sweep.speedAdjustedRecomputeError(f), 4)));
        }
        BudgetSweep.Figures pf = sweep.plain().figures();
        rows.add(List.of("", "", "plain", "1", sweep.plain().plan().plan().spec(), "1", "", String.valueOf(pf.predictedPeakBytes()),
                Fmt.exact(pf.measuredPeakBytes()), Fmt.fixed(pf.peakError(), 4), "", Fmt.fixed(pf.predictedRecomputeMs(), 2),
                Fmt.fixed(pf.measuredRecomputeMs(), 2), "", Fmt.fixed(pf.addedMs(), 2), Fmt.fixed(pf.pairedRatio(), 4),
                sweep.plain().measured().status().label(), joinMs2(sweep.plain().measured().recomputeForkMs()),
                joinMs2(sweep.plain().measured().chainForwardForkMs()),
                Fmt.fixed(sweep.recomputeAtProfileSpeedMs(pf), 2), ""));
        return Csv.render(HEADER, rows);
    }

    /** Per-fork medians (recompute or chain forward), ;-joined with 2 decimals (empty where none was timed). */
    private static String joinMs2(List<Double> forkMs) {
        return String.join(";", forkMs.stream().map(v -> Fmt.fixed(v, 2)).toList());
    }

    /** The table and the verdicts, in Markdown. */
    public String markdown() {
        StringBuilder sb = new StringBuilder("# Planner sweep: " + title + "\n\n");
        sb.append(measuredWith).append("\n\n");
        long first = sweep.points().get(0).budgetBytes();
        String from = first == sweep.leastPeakBytes() ? String.format(Locale.ROOT, "the least predicted peak (%s MiB)", Fmt.mib(first))
                : String.format(Locale.ROOT, "the least-peak plan's measured peak (%s MiB; predicted %s MiB, and no plan is predicted lower)",
                        Fmt.mib(first), Fmt.mib(sweep.leastPeakBytes()));
        sb.append(String.format(Locale.ROOT, "Budgets: %d, from %s to the plain step's (%s MiB); "
                + "planning (the least peak and every budget's plan) took %.1f ms.%n%n", sweep.points().size(), from,
                Fmt.mib(sweep.plainPeakBytes()), sweep.planningMs()));
        sb.append(String.format(Locale.ROOT, "Measured recompute: the recomputed segments' forwards with grad, timed alone from their "
                + "inputs (what the planner predicts), the median of the forks' medians (each fork's in sweep.csv, recompute_fork_ms; "
                + "when the slowest of the first %d is more than %d %% above the fastest, %d more forks time it again and the figure "
                + "is the median of all); added to the step: median of (checkpointed step - the plain step run just before it), "
                + "the recompute and all else checkpointing costs.%n%n", recomputeForks, RecomputeForks.agreementPercent(),
                recomputeForks));
        sb.append(String.format(Locale.ROOT, "At the profile's speed: before each measured recompute call, its fork also timed the whole "
                + "chain's forward with grad (sweep.csv, chain_forward_fork_ms), which the profile timed as %1$.1f ms (the sum of its "
                + "blocks'). The fork's recompute over that forward (median over the forks) times %1$.1f ms is the recompute as the "
                + "profile's machine state would have run it: the error there is the planner's, the raw error adds how much faster or "
                + "slower the machine ran between the profile and the fork.%n%n", sweep.profileChainForwardMs()));
        sb.append("| budget (MiB) | plan | predicted peak (MiB) | measured peak (MiB) | peak error | kept | "
                + "predicted recompute (ms) | measured recompute (ms) | recompute error | at the profile's speed (ms) | error there | "
                + "added to step (ms) | paired ratio |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (BudgetSweep.Point p : sweep.points()) {
            BudgetSweep.Figures f = p.figures();
            String plan = p.plan().plan().spec() + (p.verification().attempts().size() > 1
                    ? " (" + p.verification().attempts().size() + " plans measured)" : "")
                    + (p.sameAsBudget() < 0 ? "" : " (as budget " + (p.sameAsBudget() + 1) + ")");
            sb.append(row(Fmt.mib(p.budgetBytes()), plan, f, p.kept() ? "yes" : "**no**"));
        }
        for (BudgetSweep.SplitPoint s : sweep.splits()) {
            sb.append(row("–", s.split().label() + " " + s.segments() + ": " + s.plan().plan().spec(), s.figures(), "–"));
        }
        sb.append(row("–", "plain step (no checkpointing), the reference of every saving", sweep.plain().figures(), "–"));
        sb.append('\n');
        List<BudgetSweep.Point> violations = sweep.violations();
        sb.append("- Budgets kept: ").append(sweep.points().size() - violations.size()).append(" of ").append(sweep.points().size())
                .append(violations.isEmpty() ? "" : " (not kept: " + String.join(", ", violations.stream().map(p -> Fmt.mib(p.budgetBytes()) + " MiB").toList()) + ")")
                .append(".\n");
        List<Integer> inversions = sweep.orderInversions();
        sb.append("- Measured peak never falls as the budget grows (within ")
                .append(Math.round(BudgetSweep.ORDER_TOLERANCE * 100)).append(" %): ")
                .append(inversions.isEmpty() ? "yes" : "no, at budgets " + inversions.stream().map(i -> String.valueOf(i + 1)).toList())
                .append(".\n");
        sb.append(String.format(Locale.ROOT, "- Peak predicted within %d %%: %s; recompute time within %d %%: %s; at the profile's speed: %s.%n",
                Math.round(BudgetSweep.PEAK_TOLERANCE * 100), within(BudgetSweep.Figures::peakError, BudgetSweep.PEAK_TOLERANCE),
                Math.round(BudgetSweep.RECOMPUTE_TOLERANCE * 100), within(BudgetSweep.Figures::recomputeError, BudgetSweep.RECOMPUTE_TOLERANCE),
                within(sweep::speedAdjustedRecomputeError, BudgetSweep.RECOMPUTE_TOLERANCE)));
        sb.append("- ").append(retimedVerdict()).append('\n');
        Optional<BudgetSweep.Figures> half = sweep.cheapestAtMost(0.5);
        sb.append("- Cheapest plan measured at or below half the plain peak: ")
                .append(half.map(f -> String.format(Locale.ROOT, "%s MiB at a paired step-time ratio of %.3f", Fmt.mib(f.measuredPeakBytes()),
                        f.pairedRatio())).orElse("none measured that low")).append(".\n");
        return sb.toString();
    }

    private String row(String budget, String plan, BudgetSweep.Figures f, String kept) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", budget, plan.replace("|", "\\|"),
                Fmt.mib(f.predictedPeakBytes()), orMissing(Fmt.mib(f.measuredPeakBytes())), percent(f.peakError()), kept,
                Fmt.fixed(f.predictedRecomputeMs(), 1), orMissing(Fmt.fixed(f.measuredRecomputeMs(), 1)), percent(f.recomputeError()),
                orMissing(Fmt.fixed(sweep.recomputeAtProfileSpeedMs(f), 1)), percent(sweep.speedAdjustedRecomputeError(f)),
                orMissing(Fmt.fixed(f.addedMs(), 1)), orMissing(Fmt.fixed(f.pairedRatio(), 3)));
    }

    /** Which measured recomputes were timed again, with every fork's median, and whether their forks then agreed. */
    private String retimedVerdict() {
        // each measured cell once (a plan chosen at several budgets is one measurement), named as in the table
        java.util.Set<CellResult> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<java.util.Map.Entry<String, CellResult>> named = new ArrayList<>();
        sweep.points().stream().filter(p -> seen.add(p.measured()))
                .forEach(p -> named.add(java.util.Map.entry(p.plan().plan().spec(), p.measured())));
        sweep.splits().stream().filter(s -> seen.add(s.measured()))
                .forEach(s -> named.add(java.util.Map.entry(s.split().label() + " " + s.segments() + ": " + s.plan().plan().spec(), s.measured())));
        List<String> retimed = new ArrayList<>();
        long timed = 0;
        for (java.util.Map.Entry<String, CellResult> e : named) {
            List<Double> forks = e.getValue().recomputeForkMs();
            if (forks.isEmpty()) {
                continue;
            }
            timed++;
            if (forks.size() > recomputeForks) {
                List<Double> second = forks.subList(recomputeForks, forks.size());
                retimed.add(String.format(Locale.ROOT, "`%s` (forks %s, then %s ms: %s)", e.getKey(), joinMs(forks.subList(0, recomputeForks)),
                        joinMs(second), RecomputeForks.disagree(second) ? "still apart" : "agreeing"));
            }
        }
        if (timed == 0) {
            return "Recompute forks: no recompute was timed.";
        }
        long pct = RecomputeForks.agreementPercent();
        return retimed.isEmpty() ? String.format(Locale.ROOT, "Recompute forks within %d %% of each other for every plan timed (%d).", pct, timed)
                : String.format(Locale.ROOT, "Recompute timed again (first %d forks more than %d %% apart): %d of %d plans, %s.", recomputeForks,
                        pct, retimed.size(), timed, String.join("; ", retimed));
    }

    private static String joinMs(List<Double> ms) {
        return String.join(" / ", ms.stream().map(v -> Fmt.fixed(v, 1)).toList());
    }

    private static String orMissing(String s) {
        return s.isEmpty() ? "missing" : s;
    }

    private static String percent(Double fraction) {
        return fraction == null ? "–" : String.format(Locale.ROOT, "%+.1f %%", fraction * 100);
    }

    /** "every plan" or the count outside the tolerance, over the plans where the error is defined. */
    private String within(java.util.function.Function<BudgetSweep.Figures, Double> error, double tolerance) {
        List<Double> errors = sweep.distinctFigures().stream().map(error).filter(java.util.Objects::nonNull).toList();
        long outside = errors.stream().filter(e -> Math.abs(e) > tolerance).count();
        if (errors.isEmpty()) {
            return "not measured";
        }
        return outside == 0 ? "every plan (" + errors.size() + ")" : outside + " of " + errors.size() + " plans outside";
    }

    /** The Pareto chart: measured peak (MiB) against measured step-time increase (%), one series per plan source. */
    public XYChart paretoChart() {
        XYChart c = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT).title("Memory vs step time: " + title)
                .xAxisTitle("step-time increase (%, paired: checkpointed / plain step - 1)").yAxisTitle("measured peak (MiB)").build();
        Charts.style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setMarkerSize(10);
        List<Charts.Point> all = new ArrayList<>();
        List<Charts.Point> budgets = new ArrayList<>();
        sweep.points().stream().filter(p -> p.sameAsBudget() < 0).forEach(p -> point(p.figures()).ifPresent(budgets::add));
        addScatter(c, "planner (one per budget)", budgets, SeriesMarkers.CIRCLE);
        all.addAll(budgets);
        for (org.medfusion.checkpoint.Split split : List.of(org.medfusion.checkpoint.Split.UNIFORM, org.medfusion.checkpoint.Split.TORCH)) {
            List<Charts.Point> pts = new ArrayList<>();
            sweep.splits().stream().filter(s -> s.split() == split).forEach(s -> point(s.figures()).ifPresent(pts::add));
            addScatter(c, split.label() + " split", pts, split == org.medfusion.checkpoint.Split.UNIFORM ? SeriesMarkers.SQUARE : SeriesMarkers.DIAMOND);
            all.addAll(pts);
        }
        List<Charts.Point> plain = point(sweep.plain().figures()).stream().toList();
        addScatter(c, "plain step", plain, SeriesMarkers.TRIANGLE_UP);
        all.addAll(plain);
        List<Charts.Point> front = Charts.paretoFront(all);
        if (front.size() > 1) {
            XYSeries f = c.addSeries("Pareto front", front.stream().map(Charts.Point::timePct).toList(), front.stream().map(Charts.Point::memPct).toList());
            f.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            f.setMarker(SeriesMarkers.NONE);
            f.setLineColor(new Color(90, 90, 90));
            f.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f));
        }
        return c;
    }

    private static void addScatter(XYChart c, String name, List<Charts.Point> pts, org.knowm.xchart.style.markers.Marker marker) {
        if (pts.isEmpty()) {
            return;
        }
        XYSeries s = c.addSeries(name, pts.stream().map(Charts.Point::timePct).toList(), pts.stream().map(Charts.Point::memPct).toList());
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(marker);
    }

    private static Optional<Charts.Point> point(BudgetSweep.Figures f) {
        if (f.measuredPeakBytes() == null || f.pairedRatio() == null) {
            return Optional.empty();
        }
        return Optional.of(new Charts.Point(0, (f.pairedRatio() - 1) * 100, f.measuredPeakBytes() / Fmt.MIB));
    }

    /** Writes sweep.csv, sweep.md and pareto.png/.svg into {@code dir}, each atomically. */
    public List<Path> write(Path dir) {
        List<Path> out = new ArrayList<>();
        out.add(AtomicFiles.writeString(dir.resolve("sweep.csv"), csv()));
        out.add(AtomicFiles.writeString(dir.resolve("sweep.md"), markdown()));
        XYChart chart = paretoChart();
        if (!chart.getSeriesMap().isEmpty()) {
            Charts.ChartFile f = Charts.write(dir, "pareto", chart);
            out.add(f.png());
            out.add(f.svg());
        }
        return out;
    }
}
