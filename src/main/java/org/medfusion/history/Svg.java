package org.medfusion.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Inline SVG charts of the history site, written as text so the pages need no script, font or image file:
 * a time series (one column per run, the median as a line, the 95% interval as a vertical bar, regressions as red
 * points, each point a link to its run's report with a tooltip) and a sparkline for the overview table.
 */
final class Svg {

    /** One x position: the value (null = not measured in that run), its interval, and how it is shown. */
    record Datum(Double value, Double low, Double high, boolean regression, String label, String tooltip, String link) {
    }

    /**
     * A change point drawn on a chart: a dashed vertical line just before the column of the run that starts the new
     * segment ({@code index}), red for a regression, amber otherwise, with a tooltip.
     */
    record ChangeMark(int index, boolean regression, String tooltip) {
    }

    static final String AMBER = "#e68a00";
    static final String RED = "#c62828";
    static final String BLUE = "#1f5fa8";

    private Svg() {
    }

    static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String f(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    /** A chart of the data, one column per run, y axis from the data's range. */
    static String timeSeries(String id, String title, String unit, List<Datum> data) {
        return timeSeries(id, title, unit, data, List.of());
    }

    /** The same with change points marked ({@code history --check}). */
    static String timeSeries(String id, String title, String unit, List<Datum> data, List<ChangeMark> marks) {
        int w = 760;
        int h = 300;
        int left = 80;
        int right = 20;
        int top = 34;
        int bottom = 70;
        double plotW = w - left - right;
        double plotH = h - top - bottom;
        double[] range = range(data);
        StringBuilder sb = new StringBuilder();
        sb.append("<svg id=\"").append(escape(id)).append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w)
                .append("\" height=\"").append(h).append("\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" role=\"img\" aria-label=\"").append(escape(title)).append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.append("<title>").append(escape(title)).append("</title>\n");
        sb.append("<text x=\"").append(left).append("\" y=\"20\" font-size=\"15\" font-weight=\"bold\">").append(escape(title)).append("</text>\n");
        int n = data.size();
        java.util.function.DoubleUnaryOperator y = v -> top + plotH - (v - range[0]) / (range[1] - range[0]) * plotH;
        java.util.function.IntToDoubleFunction x = i -> left + (i + 0.5) * plotW / Math.max(n, 1);
        for (int t = 0; t <= 4; t++) {
            double v = range[0] + (range[1] - range[0]) * t / 4.0;
            double yy = y.applyAsDouble(v);
            sb.append("<line x1=\"").append(left).append("\" x2=\"").append(w - right).append("\" y1=\"").append(f(yy))
                    .append("\" y2=\"").append(f(yy)).append("\" stroke=\"#e0e0e0\"/>");
            sb.append("<text x=\"").append(left - 6).append("\" y=\"").append(f(yy + 4)).append("\" text-anchor=\"end\">")
                    .append(escape(tick(v, range[1] - range[0]))).append("</text>\n");
        }
        sb.append("<text transform=\"translate(16,").append(f(top + plotH / 2)).append(") rotate(-90)\" text-anchor=\"middle\">")
                .append(escape(unit)).append("</text>\n");
        // median line, broken where a run has no value
        List<String> segment = new ArrayList<>();
        for (int i = 0; i <= n; i++) {
            Datum d = i < n ? data.get(i) : null;
            if (d != null && d.value() != null) {
                segment.add(f(x.applyAsDouble(i)) + "," + f(y.applyAsDouble(d.value())));
            } else {
                if (segment.size() > 1) {
                    sb.append("<polyline fill=\"none\" stroke=\"").append(BLUE).append("\" stroke-width=\"2\" points=\"")
                            .append(String.join(" ", segment)).append("\"/>\n");
                }
                segment.clear();
            }
        }
        for (ChangeMark m : marks) {
            double xx = x.applyAsDouble(m.index()) - plotW / Math.max(n, 1) / 2.0;
            String color = m.regression() ? RED : AMBER;
            sb.append("<g class=\"change-point").append(m.regression() ? " regression" : "").append("\"><title>")
                    .append(escape(m.tooltip())).append("</title><line x1=\"").append(f(xx)).append("\" x2=\"").append(f(xx))
                    .append("\" y1=\"").append(top).append("\" y2=\"").append(f(top + plotH)).append("\" stroke=\"").append(color)
                    .append("\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/><text x=\"").append(f(xx + 3)).append("\" y=\"")
                    .append(top + 12).append("\" font-size=\"10\" fill=\"").append(color).append("\">change</text></g>\n");
        }
        for (int i = 0; i < n; i++) {
            Datum d = data.get(i);
            double xx = x.applyAsDouble(i);
            sb.append("<text x=\"").append(f(xx)).append("\" y=\"").append(h - bottom + 16)
                    .append("\" text-anchor=\"end\" font-size=\"10\" transform=\"rotate(-35 ").append(f(xx)).append(' ')
                    .append(h - bottom + 16).append(")\">").append(escape(d.label())).append("</text>\n");
            if (d.value() == null) {
                continue;
            }
            String color = d.regression() ? RED : BLUE;
            if (d.link() != null) {
                sb.append("<a href=\"").append(escape(d.link())).append("\">");
            }
            sb.append("<g class=\"point").append(d.regression() ? " regression" : "").append("\">");
            sb.append("<title>").append(escape(d.tooltip())).append("</title>");
            if (d.low() != null && d.high() != null) {
                sb.append("<line x1=\"").append(f(xx)).append("\" x2=\"").append(f(xx)).append("\" y1=\"")
                        .append(f(y.applyAsDouble(d.low()))).append("\" y2=\"").append(f(y.applyAsDouble(d.high())))
                        .append("\" stroke=\"").append(color).append("\" stroke-width=\"2\"/>");
            }
            sb.append("<circle cx=\"").append(f(xx)).append("\" cy=\"").append(f(y.applyAsDouble(d.value())))
                    .append("\" r=\"").append(d.regression() ? 6 : 4).append("\" fill=\"").append(color).append("\"/>");
            sb.append("</g>");
            if (d.link() != null) {
                sb.append("</a>");
            }
            sb.append('\n');
        }
        sb.append("</svg>");
        return sb.toString();
    }

    /** A 120 x 28 trend line; regressions as red dots, the latest value as a dot. */
    static String sparkline(List<Datum> data) {
        int w = 120;
        int h = 28;
        double[] range = range(data);
        int n = data.size();
        StringBuilder sb = new StringBuilder("<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w
                + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h + "\">");
        List<String> pts = new ArrayList<>();
        StringBuilder dots = new StringBuilder();
        for (int i = 0; i < n; i++) {
            Datum d = data.get(i);
            if (d.value() == null) {
                continue;
            }
            double xx = n == 1 ? w / 2.0 : 3 + i * (w - 6.0) / (n - 1);
            double yy = h - 3 - (d.value() - range[0]) / (range[1] - range[0]) * (h - 6);
            pts.add(f(xx) + "," + f(yy));
            if (d.regression() || i == n - 1) {
                dots.append("<circle cx=\"").append(f(xx)).append("\" cy=\"").append(f(yy)).append("\" r=\"2.5\" fill=\"")
                        .append(d.regression() ? RED : BLUE).append("\"/>");
            }
        }
        if (pts.size() > 1) {
            sb.append("<polyline fill=\"none\" stroke=\"").append(BLUE).append("\" stroke-width=\"1.5\" points=\"")
                    .append(String.join(" ", pts)).append("\"/>");
        }
        return sb.append(dots).append("</svg>").toString();
    }

    /**
     * [min, max] of the values and interval bounds, padded 5%, and at least 2% of the values' magnitude wide so
     * that a change of a few bytes or microseconds does not fill the chart; an empty series gets [0, 1].
     */
    static double[] range(List<Datum> data) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Datum d : data) {
            for (Double v : new Double[] {d.value(), d.low(), d.high()}) {
                if (v != null && Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo > hi) {
            return new double[] {0, 1};
        }
        double minSpan = Math.max(0.02 * Math.max(Math.abs(lo), Math.abs(hi)), 1e-9);
        if (hi - lo < minSpan) {
            double mid = (hi + lo) / 2.0;
            return new double[] {mid - minSpan / 2.0, mid + minSpan / 2.0};
        }
        double pad = (hi - lo) * 0.05;
        return new double[] {lo - pad, hi + pad};
    }

    private static String tick(double v, double span) {
        double step = span / 4.0;
        int decimals = step >= 10 ? 0 : (int) Math.min(6, Math.ceil(-Math.log10(step)) + 1);
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
