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
            + "font-weight:bold}.note{color:#555;max-width:60em}td.num{text-align:right;white-space:nowrap}</style>";

    private final History history;
    private final Path out;
    private final Map<HistoryRun, String> runFolders = new HashMap<>();

    private HistorySite(History history, Path out) {
        this.history = history;
        this.out = out;
    }

    /** Writes the site under {@code out} and returns its index.html. */
    public static Path write(History history, Path out) {
        return new HistorySite(history, out).write();
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
                + "<th>time trend</th><th>regressions</th></tr></thead><tbody>\n");
        for (History.Series s : history.series().values()) {
            History.Point p = s.latest();
            b.append("<tr").append(p.regression() ? " class=\"regressed\"" : "").append("><td><a href=\"")
                    .append(esc(cellPage(s.key()))).append("\">").append(esc(s.key().id())).append("</a></td><td>")
                    .append(esc(p.run().id())).append(p.cell().status().label().equals("ok") ? "" : " (" + esc(p.cell().status().label()) + ")")
                    .append("</td><td class=\"num\">").append(mib(p)).append("</td><td class=\"num\">").append(step(p))
                    .append("</td><td class=\"num\">").append(cv(p)).append("</td><td>")
                    .append(Svg.sparkline(memoryData(s, 0))).append("</td><td>").append(Svg.sparkline(timeData(s, 0)))
                    .append("</td><td>").append(regressionText(s)).append("</td></tr>\n");
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

    private String rules() {
        return "Regression marks (red): step time whose 95% CI lies entirely above the previous run's CI plus "
                + Fmt.fixed(history.tolerances().timePct(), 1) + " %; peak memory above the previous run's by more than "
                + Fmt.fixed(history.tolerances().memoryPct(), 1) + " % and " + org.medfusion.platform.ByteSize.mib(history.tolerances().memoryFloorBytes())
                + " with the same method. Only runs on the same machine and library versions are compared.";
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
        b.append("<figure>").append(Svg.timeSeries("memory-chart", "Peak memory of one step", "MiB", memoryData(s, 1)))
                .append("</figure>\n");
        b.append("<figure>").append(Svg.timeSeries("time-chart", "Step time: median and 95% CI", "ms", timeData(s, 1)))
                .append("</figure>\n");
        b.append("<table id=\"points-table\"><thead><tr><th>run</th><th>started (UTC)</th><th>commit</th><th>status</th>"
                + "<th>peak memory (MiB)</th><th>method</th><th>step (ms) [95% CI]</th><th>CV</th><th>verdict</th>"
                + "<th>report</th></tr></thead><tbody>\n");
        for (History.Point p : s.points()) {
            String link = reportLink(p.run(), 1);
            b.append("<tr").append(p.regression() ? " class=\"regressed\"" : "").append("><td>").append(esc(p.run().id()))
                    .append("</td><td>").append(esc(p.run().startedShort())).append("</td><td><code>")
                    .append(esc(p.run().shortCommit())).append("</code></td><td>").append(esc(p.cell().status().label()))
                    .append(p.cell().message() == null ? "" : ": " + esc(p.cell().message())).append("</td><td class=\"num\">")
                    .append(mib(p)).append("</td><td>").append(esc(p.memoryMethod())).append("</td><td class=\"num\">")
                    .append(step(p)).append("</td><td class=\"num\">").append(cv(p)).append("</td><td>")
                    .append(p.regression() ? "<span class=\"reg\">regression" + what(p) + "</span>" : "")
                    .append("</td><td>").append(link == null ? "–" : "<a href=\"" + esc(link) + "\">report</a>")
                    .append("</td></tr>\n");
        }
        b.append("</tbody></table>\n");
        return page(k.id() + ": history", b.toString());
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
