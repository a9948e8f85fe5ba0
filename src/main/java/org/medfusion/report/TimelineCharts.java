package org.medfusion.report;

import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.medfusion.results.CellKey;
import org.medfusion.results.Fmt;
import org.medfusion.results.Timeline;

/**
 * The memory-timeline chart of one model (one cell group: model, batch, resolution, precision, device,
 * accumulation): each cell's timeline as a line, x = the event's index in its step, y = the high-water mark of
 * bytes in use since the event before, above the step's start (MiB), so the line's top is the cell's step peak.
 * The phases (recompute, backward, optimizer update; forward unshaded) are shaded as the cell with the most
 * segments has them: the cells' events do not line up (a checkpointed step has more), so one cell's phases are drawn.
 */
final class TimelineCharts {

    /** A cell's timeline with the cell it belongs to. */
    record CellTimeline(CellKey key, Timeline timeline) {

        /** {@code no checkpointing}, {@code 4 segments (optimal split)}. */
        String label() {
            return key.segments() == 0 ? "no checkpointing" : key.segments() + " segments (" + key.split().label() + " split)";
        }
    }

    private static final Map<String, Color> PHASE_COLORS = Map.of(
            "recompute", new Color(255, 170, 60, 70),
            "backward", new Color(90, 150, 255, 60),
            "update", new Color(150, 150, 150, 80));

    /** Line colours, one per cell in order (plain first): dark and distinct from the light phase shading. */
    private static final Color[] LINE_COLORS = {new Color(20, 20, 20), new Color(31, 119, 180), new Color(214, 39, 40),
        new Color(44, 160, 44), new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194)};

    private TimelineCharts() {
    }

    /** The chart's title: {@code Memory timeline: resnet50, batch 16, 112 px (fp32, cpu)}. */
    static String title(CellKey group) {
        return "Memory timeline: " + group.model() + ", batch " + group.batch() + ", " + group.res() + " px (" + group.precision().label()
                + ", " + group.device().label() + (group.accumulation() > 1 ? ", accumulation " + group.accumulation() : "") + ")";
    }

    /** The chart of one group's measured timelines (those without bytes are left out: the sentence says why). */
    static XYChart chart(CellKey group, List<CellTimeline> cells) {
        XYChart c = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT).title(title(group))
                .xAxisTitle("event of the training step").yAxisTitle("memory above the step's start (MiB)").build();
        Charts.style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setYAxisMin(0.0);
        List<CellTimeline> measured = cells.stream().filter(t -> t.timeline().measured()).toList();
        if (measured.isEmpty()) {
            return c;
        }
        double top = 0;
        for (CellTimeline t : measured) {
            top = Math.max(top, t.timeline().peakAboveStart() / Fmt.MIB);
            Timeline.Event p = t.timeline().predictedPeakEvent();
            if (p != null) {
                top = Math.max(top, p.predictedPeakAboveStartBytes() / Fmt.MIB);
            }
        }
        CellTimeline shaded = measured.stream().max(java.util.Comparator.comparingInt(t -> t.key().segments())).get();
        shade(c, shaded, top * 1.05);
        int line = 0;
        for (CellTimeline t : measured) {
            List<Timeline.Event> ev = t.timeline().events();
            long start = ev.get(0).inUseBytes();
            double[] xs = new double[ev.size()];
            double[] ys = new double[ev.size()];
            for (int i = 0; i < ev.size(); i++) {
                xs[i] = i;
                ys[i] = Math.max(0, ev.get(i).windowPeakBytes() - start) / Fmt.MIB;
            }
            Color color = LINE_COLORS[line++ % LINE_COLORS.length];
            XYSeries s = c.addSeries(t.label(), xs, ys);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(color);
            s.setLineStyle(new java.awt.BasicStroke(2f));
            addPrediction(c, t, color);
        }
        return c;
    }

    /**
     * The planner's predicted timeline of a cell, where it has one: dashed, in the cell's colour, through the events the
     * model predicts (at the measured events' x, so a gap in the dashes is an event the model has no figure for).
     */
    private static void addPrediction(XYChart c, CellTimeline t, Color color) {
        List<Timeline.Event> ev = t.timeline().events();
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int i = 0; i < ev.size(); i++) {
            Long p = ev.get(i).predictedPeakAboveStartBytes();
            if (p != null) {
                xs.add((double) i);
                ys.add(p / Fmt.MIB);
            }
        }
        if (xs.isEmpty()) {
            return;
        }
        XYSeries s = c.addSeries("predicted: " + t.label(), xs, ys);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(color);
        s.setLineColor(color);
        s.setLineStyle(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 4f}, 0f));
    }

    /** Rectangles behind the lines over each run of events of one phase (forward left white), one legend entry per phase. */
    private static void shade(XYChart c, CellTimeline t, double height) {
        List<Timeline.Event> ev = t.timeline().events();
        Map<String, Integer> runs = new LinkedHashMap<>();
        int i = 0;
        while (i < ev.size()) {
            String phase = ev.get(i).phase();
            int j = i;
            while (j + 1 < ev.size() && ev.get(j + 1).phase().equals(phase)) {
                j++;
            }
            Color color = PHASE_COLORS.get(phase);
            if (color != null) {
                int n = runs.merge(phase, 1, Integer::sum);
                String name = phase + " (" + t.key().segments() + " segments)" + (n == 1 ? "" : " " + n);
                XYSeries s = c.addSeries(name, new double[] {i - 0.5, j + 0.5}, new double[] {height, height});
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
                s.setMarker(SeriesMarkers.NONE);
                s.setFillColor(color);
                s.setLineColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 200)); // the legend draws the line
                s.setLineStyle(new java.awt.BasicStroke(6f));
                s.setShowInLegend(n == 1);
            }
            i = j + 1;
        }
    }

    /** The cells' timelines grouped by model (cell group), in the order of {@code cells}. */
    static Map<CellKey, List<CellTimeline>> byGroup(List<CellTimeline> cells) {
        Map<CellKey, List<CellTimeline>> out = new LinkedHashMap<>();
        for (CellTimeline t : cells) {
            out.computeIfAbsent(t.key().plain(), k -> new ArrayList<>()).add(t);
        }
        return out;
    }
}
