package org.medfusion.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A table as the report shows it (already formatted text): header and rows, rendered by the templates
 * (as Markdown by {@link #markdown()}, as HTML by iterating {@code header} and {@code rows}) and by the
 * fixed-width terminal summary ({@link #fixedWidth()}).
 */
public record ReportTable(List<String> header, List<List<String>> rows) {

    /** The rows as template data: each row is a map with key {@code cells}. */
    public List<Map<String, Object>> rowData() {
        List<Map<String, Object>> out = new ArrayList<>();
        rows.forEach(r -> out.add(Map.of("cells", r)));
        return out;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /** GitHub-flavoured Markdown table; {@code |} in cells escaped. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        line(sb, header);
        sb.append('|');
        header.forEach(h -> sb.append(" --- |"));
        sb.append('\n');
        rows.forEach(r -> line(sb, r));
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells) {
        sb.append('|');
        cells.forEach(c -> sb.append(' ').append(c.replace("|", "\\|").replace("\n", " ")).append(" |"));
        sb.append('\n');
    }

    /** Fixed-width text: columns padded to their widest cell, two spaces apart. */
    public String fixedWidth() {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = header.get(i).length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], i < r.size() ? r.get(i).length() : 0);
            }
        }
        StringBuilder sb = new StringBuilder();
        pad(sb, header, w);
        int total = 0;
        for (int x : w) {
            total += x + 2;
        }
        sb.append("-".repeat(Math.max(0, total - 2))).append('\n');
        rows.forEach(r -> pad(sb, r, w));
        return sb.toString();
    }

    private static void pad(StringBuilder sb, List<String> cells, int[] w) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            String c = i < cells.size() ? cells.get(i) : "";
            String fill = " ".repeat(w[i] - c.length());
            // numbers right-aligned, text left-aligned
            line.append(c.matches("[-+]?[0-9][0-9.]*%?") ? fill + c : c + fill);
            if (i < w.length - 1) {
                line.append("  ");
            }
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }
}
