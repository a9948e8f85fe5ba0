package org.medfusion.report;

import org.medfusion.results.Fmt;
import org.medfusion.platform.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's three charts (XChart), each written as PNG and SVG:
 * <ol>
 * <li>{@code memory}: peak memory (MiB) per model, bars grouped by segment count ("no checkpointing",
 * "4 segments", ...); a missing or failed cell has no bar.</li>
 * <li>{@code slowdown}: step-time increase (%) vs segment count, one line per model, the plain cell at 0 %;
 * error bars are symmetric (XChart draws only symmetric bars) with half-width = the larger distance from the
 * median increase to the bounds of the 95% ratio interval of {@link SlowdownTable}, so they never understate
 * it.</li>
 * <li>{@code tradeoff}: per model, each segment count as a point at (step time, peak memory), both in % of the
 * same model's plain cell so that models of different size share the axes; points are labelled with their
 * segment count ("none" for plain) and the model's Pareto front (points no other point of that model beats in
 * both time and memory) is drawn as a line in the model's colour.</li>
 * </ol>
 */
public final class Charts {

    public static final int WIDTH = 1000;
    public static final int HEIGHT = 560;

    /** The files of one chart. */
    public record ChartFile(String name, String title, Path png, Path svg) {
    }

    private Charts() {
    }

    /** Taller charts when the legend (one line per model) would not fit. */
    static int heightFor(int legendLines) {
        return Math.max(HEIGHT, 90 + 25 * legendLines);
    }

    static String segmentsLabel(int s) {
        return s == 0 ? "no checkpointing" : s + " segments";
    }

    static void style(Styler st) {
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        st.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setLegendBorderColor(new Color(200, 200, 200));
        st.setChartPadding(12);

        if (st instanceof AxesChartStyler a) {
            a.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
            a.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            a.setPlotGridLinesColor(new Color(225, 225, 225));
            a.setPlotBorderVisible(false);
            a.setLocale(java.util.Locale.ROOT);
        }
    }

    /** (a) Peak memory per model grouped by segment count. */
    public static CategoryChart memoryChart(MemoryTable t) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Peak memory of one training step").xAxisTitle("model").yAxisTitle("peak memory (MiB)").build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setOverlapped(false);
        c.getStyler().setXAxisLabelRotation(t.rows().size() > 12 ? 60 : t.rows().size() > 5 ? 30 : 0);
        List<String> cats = t.rows().stream().map(MemoryTable.Row::label).toList();
        if (cats.isEmpty()) {
            return c;
        }
        List<Integer> segs = new ArrayList<>();
        segs.add(0);
        segs.addAll(t.segments());
        for (int s : segs) {
            List<Double> ys = new ArrayList<>();
            boolean any = false;
            for (MemoryTable.Row r : t.rows()) {
                Long b = r.peakBytes().get(s);
                ys.add(b == null ? null : b / Fmt.MIB);
                any |= b != null;
            }
            if (any) {
                c.addSeries(segmentsLabel(s), cats, ys);
            }
        }
        return c;
    }

    /** (b) Step-time increase vs segment count per model, with error bars from the CIs. */
    public static XYChart slowdownChart(SlowdownTable t) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(heightFor(t.rows().size())).title("Training-step slowdown from checkpointing")
                .xAxisTitle("segments (0 = no checkpointing)").yAxisTitle("step time increase (%)").build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setErrorBarsColorSeriesColor(true);
        c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Line);
        c.getStyler().setMarkerSize(9);
        c.getStyler().setXAxisDecimalPattern("0");
        c.getStyler().setYAxisDecimalPattern("0");
        long lines = t.rows().stream().filter(r -> r.entries().get(0).median() != null).count();
        int idx = 0;
        for (SlowdownTable.Row r : t.rows()) {
            // dodge: shift each model's points a little along x so error bars of equal values stay visible
            double dodge = lines < 2 ? 0 : (idx - (lines - 1) / 2.0) * Math.min(0.12, 0.5 / lines);
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            List<Double> es = new ArrayList<>();
            if (r.entries().get(0).median() != null) {
                idx++;
                xs.add(dodge);
                ys.add(0.0);
                es.add(0.0);
            }
            for (var e : r.entries().entrySet()) {
                SlowdownTable.Entry en = e.getValue();
                if (e.getKey() == 0 || en.increasePct() == null) {
                    continue;
                }
                xs.add(e.getKey() + dodge);
                ys.add(en.increasePct());
                double err = 0;
                if (en.increaseLowPct() != null) {
                    err = Math.max(en.increasePct() - en.increaseLowPct(), en.increaseHighPct() - en.increasePct());
                }
                es.add(err);
            }
            if (xs.size() > 1) {
                c.addSeries(r.label(), xs, ys, es);
            }
        }
        if (c.getSeriesMap().isEmpty()) {
            return c;
        }
        c.getStyler().setXAxisMin(-0.5);
        return c;
    }

    /** A point of the trade-off chart. */
    record Point(int segments, double timePct, double memPct) {
    }

    /** Points not dominated (lower or equal in both, lower in one) by another, sorted by time. */
    static List<Point> paretoFront(List<Point> pts) {
        List<Point> front = new ArrayList<>();
        for (Point p : pts) {
            boolean dominated = pts.stream().anyMatch(q -> q != p && q.timePct() <= p.timePct()
                    && q.memPct() <= p.memPct() && (q.timePct() < p.timePct() || q.memPct() < p.memPct()));
            if (!dominated) {
                front.add(p);
            }
        }
        front.sort(Comparator.comparingDouble(Point::timePct));
        return front;
    }

    /** Name of the Pareto-front series of a model. */
    static String frontName(String label) {
        return label + " (Pareto front)";
    }

    /** (c) Memory-time trade-off per model with its Pareto front. */
    public static XYChart tradeoffChart(MemoryTable m, SlowdownTable s) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(heightFor(m.rows().size())).title("Memory-time trade-off (labels: segments)")
                .xAxisTitle("step time (% of no checkpointing)").yAxisTitle("peak memory (% of no checkpointing)")
                .build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setMarkerSize(11);
        c.getStyler().setXAxisDecimalPattern("0");
        c.getStyler().setYAxisDecimalPattern("0");
        c.getStyler().setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        c.getStyler().setAnnotationTextFontColor(new Color(60, 60, 60));
        Color[] palette = c.getStyler().getSeriesColors();
        List<Point> all = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Point> labelled = new ArrayList<>();
        int i = 0;
        for (MemoryTable.Row mr : m.rows()) {
            SlowdownTable.Row sr = s.rows().stream().filter(r -> r.group().equals(mr.group())).findFirst().orElse(null);
            Long memPlain = mr.peakBytes().get(0);
            Double timePlain = sr == null ? null : sr.entries().get(0).median();
            if (memPlain == null || memPlain <= 0 || timePlain == null || timePlain <= 0) {
                continue;
            }
            List<Point> pts = new ArrayList<>();
            for (Map.Entry<Integer, Long> e : mr.peakBytes().entrySet()) {
                SlowdownTable.Entry se = sr.entries().get(e.getKey());
                if (e.getValue() == null || se == null || se.median() == null) {
                    continue;
                }
                pts.add(new Point(e.getKey(), se.median() / timePlain * 100.0, e.getValue() * 100.0 / memPlain));
            }
            if (pts.isEmpty()) {
                continue;
            }
            Color col = palette[i++ % palette.length];
            XYSeries ser = c.addSeries(mr.label(), pts.stream().map(Point::timePct).toList(),
                    pts.stream().map(Point::memPct).toList());
            ser.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            ser.setMarker(SeriesMarkers.CIRCLE);
            ser.setMarkerColor(col);
            List<Point> front = paretoFront(pts);
            XYSeries fs = c.addSeries(frontName(mr.label()), front.stream().map(Point::timePct).toList(),
                    front.stream().map(Point::memPct).toList());
            fs.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            fs.setMarker(SeriesMarkers.NONE);
            fs.setLineColor(col);
            fs.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f,
                    new float[] {6f, 4f}, 0f));
            fs.setShowInLegend(false);
            for (Point p : pts) {
                labels.add(p.segments() == 0 ? "none" : Integer.toString(p.segments()));
                labelled.add(p);
            }
            all.addAll(pts);
        }
        if (all.isEmpty()) {
            return c;
        }
        double xMin = all.stream().mapToDouble(Point::timePct).min().orElse(100);
        double xMax = all.stream().mapToDouble(Point::timePct).max().orElse(100);
        double yMin = all.stream().mapToDouble(Point::memPct).min().orElse(0);
        double yMax = all.stream().mapToDouble(Point::memPct).max().orElse(100);
        double xPad = Math.max(2, (xMax - xMin) * 0.08);
        double yPad = Math.max(4, (yMax - yMin) * 0.10);
        c.getStyler().setXAxisMin(Math.floor(xMin - xPad));
        c.getStyler().setXAxisMax(Math.ceil(xMax + xPad));
        c.getStyler().setYAxisMin(Math.max(0, Math.floor(yMin - yPad)));
        c.getStyler().setYAxisMax(Math.ceil(yMax + yPad));
        double dy = (yMax - yMin + 2 * yPad) * 0.045;
        // one label per cluster: a label equal to one already placed close by (3% of either axis) is dropped,
        // so points of several models at the same place do not stack unreadable copies
        double xr = xMax - xMin + 2 * xPad;
        double yr = yMax - yMin + 2 * yPad;
        List<Point> placed = new ArrayList<>();
        List<String> placedText = new ArrayList<>();
        for (int k = 0; k < labelled.size(); k++) {
            Point p = labelled.get(k);
            boolean near = false;
            for (int j = 0; j < placed.size(); j++) {
                near |= placedText.get(j).equals(labels.get(k))
                        && Math.abs(placed.get(j).timePct() - p.timePct()) < 0.03 * xr
                        && Math.abs(placed.get(j).memPct() - p.memPct()) < 0.03 * yr;
            }
            if (!near) {
                placed.add(p);
                placedText.add(labels.get(k));
                c.addAnnotation(new AnnotationText(labels.get(k), p.timePct(), p.memPct() + dy, false));
            }
        }
        return c;
    }

    /**
     * Writes memory, slowdown and tradeoff charts as PNG and SVG into {@code dir}, atomically. A chart without
     * any data (e.g. no plain cell finished) is not written and not in the returned list.
     */
    public static List<ChartFile> writeAll(Path dir, MemoryTable m, SlowdownTable s) {
        List<ChartFile> out = new ArrayList<>();
        CategoryChart mc = memoryChart(m);
        if (!mc.getSeriesMap().isEmpty()) {
            out.add(write(dir, "memory", mc));
        }
        XYChart sc = slowdownChart(s);
        if (!sc.getSeriesMap().isEmpty()) {
            out.add(write(dir, "slowdown", sc));
        }
        XYChart tc = tradeoffChart(m, s);
        if (!tc.getSeriesMap().isEmpty()) {
            out.add(write(dir, "tradeoff", tc));
        }
        return out;
    }

    /** File name of the PyTorch-beside-us chart (also the key of its note in the report). */
    public static final String REFERENCE_PEAK = "reference-peak";

    /** (f) Our peak beside the reference framework's, per cell that has both. */
    static CategoryChart referencePeakChart(ReferenceTable t, String framework) {
        List<ReferenceTable.PeakPoint> pts = t.peaks();
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title("Peak memory: ours beside " + framework)
                .xAxisTitle("cell").yAxisTitle("peak memory (MiB)").build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setOverlapped(false);
        c.getStyler().setXAxisLabelRotation(pts.size() > 3 ? 30 : 0);
        if (pts.isEmpty()) {
            return c;
        }
        List<String> cats = pts.stream().map(ReferenceTable.PeakPoint::cell).toList();
        c.addSeries("ours", cats, pts.stream().map(ReferenceTable.PeakPoint::oursMib).toList());
        c.addSeries(framework, cats, pts.stream().map(ReferenceTable.PeakPoint::theirsMib).toList());
        return c;
    }

    /** Writes the reference chart when some cell has both peaks; empty otherwise. */
    static List<ChartFile> writeReference(Path dir, ReferenceTable t, String framework) {
        CategoryChart c = referencePeakChart(t, framework);
        return c.getSeriesMap().isEmpty() ? List.of() : List.of(write(dir, REFERENCE_PEAK, c));
    }

    /** File names of the equal-memory charts (also the keys of their notes in the report). */
    public static final String EQUAL_MEMORY_BATCH = "equal-memory-batch";
    public static final String EQUAL_MEMORY_THROUGHPUT = "equal-memory-throughput";

    /** (d) Largest batch whose measured peak fits the cap, per comparison (model, res, cap) and mode. */
    public static CategoryChart equalMemoryBatchChart(EqualMemoryTable t) {
        return equalMemoryChart(t, "Equal memory: largest batch that fits the cap", "largest batch", false);
    }

    /** (e) Throughput at that batch (samples/s), error bars from the step time's 95% interval. */
    public static CategoryChart equalMemoryThroughputChart(EqualMemoryTable t) {
        return equalMemoryChart(t, "Equal memory: throughput at the largest batch", "samples/s", true);
    }

    private static CategoryChart equalMemoryChart(EqualMemoryTable t, String title, String yTitle, boolean throughput) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("model, resolution @ cap")
                .yAxisTitle(yTitle).build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setOverlapped(false);
        c.getStyler().setErrorBarsColorSeriesColor(true);
        c.getStyler().setXAxisLabelRotation(t.groups().size() > 5 ? 30 : 0);
        List<String> cats = t.groups().keySet().stream().map(EqualMemoryTable.Group::label).toList();
        for (org.medfusion.capacity.CapacityMode mode : org.medfusion.capacity.CapacityMode.values()) {
            List<Double> ys = new ArrayList<>();
            List<Double> es = new ArrayList<>();
            boolean any = false;
            for (var g : t.groups().values()) {
                org.medfusion.capacity.EqualMemoryRow r = g.get(mode);
                // nothing fits: 0 samples/s (a measured fact); not timed: no bar
                Double y = r == null ? null : !throughput || r.largestBatch() == 0 ? (Double) (double) (throughput ? 0 : r.largestBatch())
                        : r.throughput();
                ys.add(y);
                double err = 0;
                if (y != null && throughput && r.throughputCiLow() != null && r.throughputCiHigh() != null) {
                    err = Math.max(y - r.throughputCiLow(), r.throughputCiHigh() - y);
                }
                es.add(err);
                any |= y != null;
            }
            if (any) {
                String name = mode.checkpointed() ? mode.label() + " split" : "no checkpointing";
                if (throughput && ys.stream().allMatch(java.util.Objects::nonNull)) { // XChart's error bars need every value
                    c.addSeries(name, cats, ys, es);
                } else {
                    c.addSeries(name, cats, ys);
                }
            }
        }
        return c;
    }

    /** Writes the two equal-memory charts (those with data) into {@code dir}. */
    public static List<ChartFile> writeEqualMemory(Path dir, EqualMemoryTable t) {
        List<ChartFile> out = new ArrayList<>();
        CategoryChart b = equalMemoryBatchChart(t);
        if (!b.getSeriesMap().isEmpty()) {
            out.add(write(dir, EQUAL_MEMORY_BATCH, b));
        }
        CategoryChart tp = equalMemoryThroughputChart(t);
        if (!tp.getSeriesMap().isEmpty()) {
            out.add(write(dir, EQUAL_MEMORY_THROUGHPUT, tp));
        }
        return out;
    }

    static ChartFile write(Path dir, String name, Chart<?, ?> chart) {
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            ByteArrayOutputStream svg = new ByteArrayOutputStream();
            VectorGraphicsEncoder.saveVectorGraphic(chart, svg, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            return new ChartFile(name, chart.getTitle(), AtomicFiles.writeBytes(dir.resolve(name + ".png"), png),
                    AtomicFiles.writeBytes(dir.resolve(name + ".svg"), svg.toByteArray()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render chart " + name + ": " + e.getMessage(), e);
        }
    }
}
