package org.medfusion.history;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Fmt;

/**
 * Writes the history as a static site that works from any folder or web server (every link relative, charts
 * inline SVG, CSS in the page, no JavaScript):
 * <ul>
 * <li>{@code index.html}: the runs, and one row per cell with its latest peak memory and step time, a sparkline of
 * each over the runs, and its regressions;</li>
 * <li>{@code cells/<cell id>.html}: peak memory and step time (median with 95% CI) per run, labelled by commit,
 * regressions in red, each point linking to that run's report;</li>
 * <li>{@code runs/<run id>/}: a copy of each run's report.html (self-contained: charts embedded) and its
 * top-level files (CSV, manifest), so the site can be published on its own.</li>
 * </ul>
 */
public final class HistorySite {

    public static final String INDEX = "index.html";

    private static final String STYLE = "<style>body{font-family:sans-serif;margin:24px;color:#222}"
            + "table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;"
            + "vertical-align:middle}th{background:#f3f3f3}tr.regressed td{background:#fdecea}.reg{color:#c62828;"
            + "font-weight:bold}.note{color:#555;max-width:60em}.unstable{color:#e68a00}td.num{text-align:right;white-space:nowrap}</style>";

    private final History history;
    private final HistoryCheck check;
    private final Path out;
    private final Map<HistoryRun, String> runFolders = new HashMap<>();

    private HistorySite(History history, HistoryCheck check, Path out) {
        this.history = history;
        this.check = check;
        this.out = out;
    }

    /** Writes the site under {@code out} and returns its index.html. */
    public static Path write(History history, Path out) {
        return new HistorySite(history, null, out).write();
    }

    /**
     * The same with {@code history --check}'s change points: dashed lines on the charts (red: a regression), a paired
     * ratio chart for checkpointed cells, a change-point table per cell and a column in the overview.
     */
    public static Path write(History history, HistoryCheck check, Path out) {
        return new HistorySite(history, check, out).write();
    }

    /** The file name of a cell's page. */
    public static String cellPage(CellKey key) {
        return "cells/" + key.id() + ".html";
    }

    private Path write() {
        try {
            Files.createDirectories(out.resolve("cells"));
            copyReports();
            for (History.Series s : history.series().values()) {
                AtomicFiles.writeString(out.resolve(cellPage(s.key())), cellHtml(s));
            }
            return AtomicFiles.writeString(out.resolve(INDEX), indexHtml());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the history site under " + out + ": " + e.getMessage(), e);
        }
    }

    private void copyReports() throws IOException {
        Set<String> used = new HashSet<>();
        for (HistoryRun run : history.runs()) {
            if (!Files.isRegularFile(run.reportHtml())) {
                continue;
            }
            String name = run.id().replaceAll("[^A-Za-z0-9._-]", "_");
            String unique = name;
            for (int i = 2; !used.add(unique); i++) {
                unique = name + "-" + i;
            }
            Path dest = Files.createDirectories(out.resolve("runs").resolve(unique));
            try (Stream<Path> files = Files.list(run.dir())) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, dest.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            runFolders.put(run, unique);
        }
    }

    /** The run's report relative to a page {@code depth} folders below the site root, or null without a report. */
    private String reportLink(HistoryRun run, int depth) {
        String folder = runFolders.get(run);
        return folder == null ? null : "../".repeat(depth) + "runs/" + folder + "/report.html";
    }

    private static String esc(String s) {
        return Svg.escape(s);
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>"
                + STYLE + "</head><body>\n" + body + "\n</body></html>\n";
    }

    private String indexHtml() {
        StringBuilder b = new StringBuilder();
        List<HistoryRun> runs = history.runs();
        b.append("<h1>MedFusion checkpoint bench: history</h1>\n");
        b.append("<p class=\"note\">").append(runs.size()).append(" runs, ").append(history.series().size())
                .append(" cells, ").append(esc(runs.get(0).startedShort())).append(" to ")
                .append(esc(runs.get(runs.size() - 1).startedShort())).append(". ").append(rules()).append("</p>\n");
        b.append("<h2>Cells</h2>\n<table id=\"cells-table\"><thead><tr><th>cell</th><th>latest run</th>"
                + "<th>peak memory (MiB)</th><th>step (ms) [95% CI]</th><th>CV</th><th>memory trend</th>"
                + "<th>time trend</th><th>regressions</th>" + (check == null ? "" : "<th>change points</th>")
                + "</tr></thead><tbody>\n");
        for (History.Series s : history.series().values()) {
            History.Point p = s.latest();
            HistoryCheck.CellCheck cc = check == null ? null : check.cells().get(s.key());
            boolean alarmed = cc != null && !cc.alarms().isEmpty();
            b.append("<tr").append(p.regression() || alarmed ? " class=\"regressed\"" : "").append("><td><a href=\"")
                    .append(esc(cellPage(s.key()))).append("\">").append(esc(s.key().id())).append("</a></td><td>")
                    .append(esc(p.run().id())).append(p.cell().status() == CellStatus.OK ? "" : " (" + esc(p.cell().status().label()) + ")")
                    .append("</td><td class=\"num\">").append(mib(p)).append("</td><td class=\"num\">").append(step(p))
                    .append("</td><td class=\"num\">").append(cv(p)).append("</td><td>")
                    .append(Svg.sparkline(memoryData(s, 0))).append("</td><td>").append(Svg.sparkline(timeData(s, 0)))
                    .append("</td><td>").append(regressionText(s)).append("</td>")
                    .append(cc == null ? "" : "<td>" + changePointText(cc) + "</td>").append("</tr>\n");
        }
        b.append("</tbody></table>\n");
        b.append("<h2>Runs</h2>\n<table id=\"runs-table\"><thead><tr><th>run</th><th>started (UTC)</th><th>commit</th>"
                + "<th>config</th><th>machine</th><th>report</th></tr></thead><tbody>\n");
        for (HistoryRun r : runs) {
            String link = reportLink(r, 0);
            var e = r.manifest().environment();
            b.append("<tr><td>").append(esc(r.id())).append("</td><td>").append(esc(r.startedShort())).append("</td><td><code>")
                    .append(esc(r.shortCommit())).append("</code></td><td>").append(esc(r.manifest().configName()))
                    .append("</td><td>").append(esc(e.cpuModel())).append(", ").append(e.cores()).append(" cores")
                    .append(e.gpuName() == null || e.gpuName().equals("none") ? "" : ", " + esc(e.gpuName()))
                    .append("</td><td>").append(link == null ? "–" : "<a href=\"" + esc(link) + "\">report</a>")
                    .append("</td></tr>\n");
        }
        b.append("</tbody></table>\n");
        return page("MedFusion checkpoint bench: history", b.toString());
    }

    /** The overview's change-point cell: how many per metric, the alarms in red, unstable metrics labelled. */
    private static String changePointText(HistoryCheck.CellCheck cc) {
        List<String> parts = new ArrayList<>();
        for (HistoryCheck.MetricCheck m : cc.metrics()) {
            String t = m.marks().isEmpty() ? "" : m.marks().size() + " " + m.metric().label();
            if (m.alarm() != null) {
                t = "<span class=\"reg\">" + esc(t) + ", regression from " + esc(m.alarm().run().id()) + "</span>";
            } else {
                t = esc(t);
            }
            if (m.unstable()) {
                t = (t.isEmpty() ? "" : t + ", ") + "<span class=\"unstable\">" + esc(m.metric().label()) + " unstable</span>";
            }
            if (!t.isEmpty()) {
                parts.add(t);
            }
        }
        return parts.isEmpty() ? "none" : String.join("; ", parts);
    }

    private String checkRules() {
        HistoryCheck.Settings st = check.settings();
        return "Change points (dashed lines; red: a regression): E-divisive means with a t-test between segments, p <= "
                + st.maxPValue() + ", kept when they move the mean beyond the tolerance (peak memory: as above; paired ratio: "
                + Fmt.fixed(st.ratioTolerancePct(), 1) + " %; step time: " + Fmt.fixed(history.tolerances().timePct(), 1)
                + " %, informative only). A regression alarms (history --check exits 1) when it starts among the newest "
                + st.recentRuns() + " runs and its metric is stable (spread around its segments' means at most "
                + Fmt.fixed(st.unstableCvPct(), 1) + " %, else labelled unstable).";
    }

    private String rules() {
        return "Regression marks (red): step time whose 95% CI lies entirely above the previous run's CI plus "
                + Fmt.fixed(history.tolerances().timePct(), 1) + " %; peak memory above the previous run's by more than "
                + Fmt.fixed(history.tolerances().memoryPct(), 1) + " % and " + org.medfusion.platform.ByteSize.mib(history.tolerances().memoryFloorBytes())
                + " with the same method. Only runs on the same machine and library versions are compared."
                + (check == null ? "" : " " + checkRules());
    }

    private static String regressionText(History.Series s) {
        long n = s.regressions();
        if (n == 0) {
            return "none";
        }
        History.Point p = s.latest();
        return "<span class=\"reg\">" + n + (p.regression() ? ", latest run" + what(p) : "") + "</span>";
    }

    private static String what(History.Point p) {
        return p.memoryRegression() && p.timeRegression() ? " (memory, time)" : p.memoryRegression() ? " (memory)" : " (time)";
    }

    private String cellHtml(History.Series s) {
        StringBuilder b = new StringBuilder();
        CellKey k = s.key();
        b.append("<p><a href=\"../").append(INDEX).append("\">all cells</a></p>\n<h1>").append(esc(k.id())).append("</h1>\n");
        b.append("<p class=\"note\">").append(esc(k.model())).append(", batch ").append(k.batch()).append(", ")
                .append(k.res()).append(" px, ").append(k.segments() == 0 ? "no checkpointing" : k.segments() + " segments ("
                        + esc(k.split().label()) + " split)")
                .append(", ").append(esc(k.precision().label())).append(", ").append(esc(k.device().label())).append(". ")
                .append(rules()).append(" Click a point for its run's report.</p>\n");
        HistoryCheck.CellCheck cc = check == null ? null : check.cells().get(k);
        b.append("<figure>").append(Svg.timeSeries("memory-chart", "Peak memory of one step", "MiB", memoryData(s, 1),
                marks(s, cc, HistoryCheck.Metric.PEAK))).append("</figure>\n");
        b.append("<figure>").append(Svg.timeSeries("time-chart", "Step time: median and 95% CI", "ms", timeData(s, 1),
                marks(s, cc, HistoryCheck.Metric.TIME))).append("</figure>\n");
        if (cc != null && k.segments() > 0) {
            b.append("<figure>").append(Svg.timeSeries("ratio-chart", "Paired ratio: checkpointed over plain step (median)", "ratio",
                    ratioData(s, 1), marks(s, cc, HistoryCheck.Metric.RATIO))).append("</figure>\n");
        }
        if (cc != null) {
            b.append(changePointTable(cc));
        }
        b.append("<table id=\"points-table\"><thead><tr><th>run</th><th>started (UTC)</th><th>commit</th><th>status</th>"
                + "<th>peak memory (MiB)</th><th>method</th><th>step (ms) [95% CI]</th><th>CV</th><th>verdict</th>"
                + "<th>report</th></tr></thead><tbody>\n");
        for (History.Point p : s.points()) {
            String link = reportLink(p.run(), 1);
            b.append("<tr").append(p.regression() ? " class=\"regressed\"" : "").append("><td>").append(esc(p.run().id()))
                    .append("</td><td>").append(esc(p.run().startedShort())).append("</td><td><code>")
                    .append(esc(p.run().shortCommit())).append("</code></td><td>").append(esc(p.cell().status().label()))
                    .append(p.cell().message() == null ? "" : ": " + esc(p.cell().message())).append("</td><td class=\"num\">")
                    .append(mib(p)).append("</td><td>").append(esc(p.memoryMethod() == null ? null : p.memoryMethod().label())).append("</td><td class=\"num\">")
                    .append(step(p)).append("</td><td class=\"num\">").append(cv(p)).append("</td><td>")
                    .append(p.regression() ? "<span class=\"reg\">regression" + what(p) + "</span>" : "")
                    .append("</td><td>").append(link == null ? "–" : "<a href=\"" + esc(link) + "\">report</a>")
                    .append("</td></tr>\n");
        }
        b.append("</tbody></table>\n");
        return page(k.id() + ": history", b.toString());
    }

    /** The change points of one metric as chart marks, at the columns of their runs. */
    private static List<Svg.ChangeMark> marks(History.Series s, HistoryCheck.CellCheck cc, HistoryCheck.Metric metric) {
        HistoryCheck.MetricCheck m = cc == null ? null : cc.metric(metric);
        if (m == null) {
            return List.of();
        }
        List<Svg.ChangeMark> l = new ArrayList<>();
        for (HistoryCheck.Mark mk : m.marks()) {
            for (int i = 0; i < s.points().size(); i++) {
                if (s.points().get(i).run().equals(mk.run())) {
                    l.add(new Svg.ChangeMark(i, mk.regression() && metric.gated(), "change point: " + mk.describe()));
                }
            }
        }
        return l;
    }

    private static String changePointTable(HistoryCheck.CellCheck cc) {
        if (cc.metrics().stream().allMatch(m -> m.marks().isEmpty())) {
            return "<h2>Change points</h2>\n<p class=\"note\">No change point.</p>\n" + unstableNotes(cc);
        }
        StringBuilder b = new StringBuilder("<h2>Change points</h2>\n<table id=\"change-points\"><thead><tr><th>metric</th>"
                + "<th>from run</th><th>commit</th><th>before</th><th>after</th><th>change</th><th>p</th><th>verdict</th>"
                + "</tr></thead><tbody>\n");
        for (HistoryCheck.MetricCheck m : cc.metrics()) {
            for (HistoryCheck.Mark mk : m.marks()) {
                EDivisive.ChangePoint c = mk.changePoint();
                String verdict = mk == m.alarm() ? "<span class=\"reg\">regression (alarm)</span>"
                        : !m.metric().gated() ? "informative" : mk.regression() ? "regression" + (m.unstable() ? " (unstable)" : "")
                        : c.meanAfter() < c.meanBefore() ? "improvement" : "change";
                b.append("<tr").append(mk == m.alarm() ? " class=\"regressed\"" : "").append("><td>").append(esc(m.metric().label()))
                        .append("</td><td>").append(esc(mk.run().id())).append("</td><td><code>").append(esc(mk.run().shortCommit()))
                        .append("</code></td><td class=\"num\">").append(esc(HistoryCheck.value(m.metric(), c.meanBefore())))
                        .append("</td><td class=\"num\">").append(esc(HistoryCheck.value(m.metric(), c.meanAfter())))
                        .append("</td><td class=\"num\">").append(Fmt.fixed(c.relativeChange() * 100.0, 1)).append(" %</td><td class=\"num\">")
                        .append(esc(HistoryCheck.p(c.pValue()))).append("</td><td>").append(verdict).append("</td></tr>\n");
            }
        }
        b.append("</tbody></table>\n");
        return b + unstableNotes(cc);
    }

    private static String unstableNotes(HistoryCheck.CellCheck cc) {
        StringBuilder b = new StringBuilder();
        for (HistoryCheck.MetricCheck m : cc.metrics()) {
            if (m.unstable()) {
                b.append("<p class=\"note unstable\">").append(esc(m.metric().label())).append(" is unstable across runs: CV ")
                        .append(Fmt.fixed(m.cvPct(), 1)).append(" % around its segments' means; labelled, not alarmed.</p>\n");
            }
        }
        return b.toString();
    }

    private List<Svg.Datum> ratioData(History.Series s, int depth) {
        List<Svg.Datum> l = new ArrayList<>();
        for (History.Point p : s.points()) {
            Double v = HistoryCheck.pairedRatio(p);
            l.add(new Svg.Datum(v, null, null, false, label(p), p.run().id() + " @ " + p.run().shortCommit() + ": "
                    + (v == null ? "no paired steps" : HistoryCheck.value(HistoryCheck.Metric.RATIO, v)), reportLink(p.run(), depth)));
        }
        return l;
    }

    private List<Svg.Datum> memoryData(History.Series s, int depth) {
        List<Svg.Datum> l = new ArrayList<>();
        for (History.Point p : s.points()) {
            Double v = p.peakBytes() == null ? null : p.peakBytes() / Fmt.MIB;
            l.add(new Svg.Datum(v, null, null, p.memoryRegression(), label(p),
                    p.run().id() + " @ " + p.run().shortCommit() + ": " + (v == null ? p.cell().status().label() : mib(p) + " MiB")
                            + (p.memoryRegression() ? " (regression)" : ""),
                    reportLink(p.run(), depth)));
        }
        return l;
    }

    private List<Svg.Datum> timeData(History.Series s, int depth) {
        List<Svg.Datum> l = new ArrayList<>();
        for (History.Point p : s.points()) {
            l.add(new Svg.Datum(p.stepMedian(), p.stepCiLow(), p.stepCiHigh(), p.timeRegression(), label(p),
                    p.run().id() + " @ " + p.run().shortCommit() + ": "
                            + (p.stepMedian() == null ? p.cell().status().label() : step(p) + " ms")
                            + (p.timeRegression() ? " (regression)" : ""),
                    reportLink(p.run(), depth)));
        }
        return l;
    }

    private static String label(History.Point p) {
        String c = p.run().shortCommit();
        return (c.length() > 7 ? c.substring(0, 7) : c) + " " + (p.run().startedShort().length() >= 10
                ? p.run().startedShort().substring(5, 10) : "");
    }

    private static String mib(History.Point p) {
        return p.peakBytes() == null ? "–" : Fmt.fixed(p.peakBytes() / Fmt.MIB, 1);
    }

    private static String step(History.Point p) {
        return p.stepMedian() == null ? "–" : Fmt.fixed(p.stepMedian(), 1) + (p.stepCiLow() == null ? ""
                : " [" + Fmt.fixed(p.stepCiLow(), 1) + ", " + Fmt.fixed(p.stepCiHigh(), 1) + "]");
    }

    private static String cv(History.Point p) {
        return p.stepCv() == null ? "–" : Fmt.fixed(p.stepCv() * 100.0, 1) + " %";
    }
}
