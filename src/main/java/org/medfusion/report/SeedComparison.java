package org.medfusion.report;

import org.medfusion.results.Precision;
import org.medfusion.results.Device;
import org.medfusion.checkpoint.Split;
import org.medfusion.results.CellIndex;
import org.medfusion.results.Fmt;
import org.medfusion.results.Csv;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The seed guide's published tables (GPU, batch 32, 224 px; classpath resource {@code /seed-published.csv},
 * long format: table, model, seed_label, batch, res, device, segments, metric, value, unit) next to this run's
 * figures where the configuration matches: same model, batch 32, 224 px; a GPU cell in fp32 preferred, else amp, else
 * a CPU cell in fp32 (the {@code seed-table-cpu} run: the same cells on the CPU, so a reader sees the seed's GPU
 * figures beside ours and the column says which device ours are from). Within a device and precision, the torch
 * split (the seed's {@code checkpoint_sequential}) is preferred to uniform.
 *
 * <p>The seed's memory table does not say how many segments it used; the resource assumes the guide's default
 * (4 for CNNs and ConvNeXt, one per layer = 12 for ViT-B/16), and our column uses the same segment count. The
 * seed's time table is in seconds of an unspecified workload, so only its relative increase is comparable with
 * our per-step increase. The seed's "GB" is compared with our GiB as published (the unit is not stated).
 */
public final class SeedComparison {

    /** One published figure. */
    public record Figure(String table, String model, String seedLabel, int batch, int res, String device,
            int segments, String metric, double value, String unit) {
    }

    private SeedComparison() {
    }

    /** The published figures, read once from the classpath (every report reads them several times). */
    public static List<Figure> published() {
        return Published.FIGURES;
    }

    private static final class Published {
        static final List<Figure> FIGURES = read();
    }

    private static List<Figure> read() {
        try (InputStream in = SeedComparison.class.getResourceAsStream("/seed-published.csv")) {
            if (in == null) {
                throw new IllegalStateException("resource /seed-published.csv is missing from the classpath");
            }
            List<Figure> out = new ArrayList<>();
            try (CSVParser p = CSVParser.builder().setReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .setFormat(Csv.FORMAT.builder().setHeader().setSkipHeaderRecord(true).get()).get()) {
                for (CSVRecord r : p) {
                    out.add(new Figure(r.get("table"), r.get("model"), r.get("seed_label"),
                            Integer.parseInt(r.get("batch")), Integer.parseInt(r.get("res")), r.get("device"),
                            Integer.parseInt(r.get("segments")), r.get("metric"), Double.parseDouble(r.get("value")),
                            r.get("unit")));
                }
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Figure find(List<Figure> f, String table, String model, int s, String metric) {
        return f.stream().filter(x -> x.table().equals(table) && x.model().equals(model) && x.segments() == s
                && x.metric().equals(metric)).findFirst().orElse(null);
    }

    /** A device and precision our figures beside the seed's may come from. */
    private record Setting(Device device, Precision precision) {
    }

    /** The settings of our figures beside the seed's, in order of preference. */
    private static final List<Setting> PREFERRED = List.of(
            new Setting(Device.GPU, Precision.FP32), new Setting(Device.GPU, Precision.AMP), new Setting(Device.CPU, Precision.FP32));

    /** Our group matching a seed model, or null. */
    static CellIndex.Group match(CellIndex idx, String model) {
        for (Setting k : PREFERRED) {
            for (Split split : List.of(Split.TORCH, Split.UNIFORM)) {
                CellIndex.Group g = new CellIndex.Group(new CellKey(model, 32, 224, 0, k.precision(), k.device()), split);
                if (idx.groups().containsKey(g)) {
                    return g;
                }
            }
        }
        return null;
    }

    /** How our column's cells ran: e.g. "cpu fp32, torch split". */
    static String ours(CellIndex.Group g) {
        return g == null ? "not measured" : g.plain().device().label() + " " + g.precision().label() + ", " + g.split().label() + " split";
    }

    /** The devices our matched figures come from (empty when none matches). */
    public static java.util.Set<Device> matchedDevices(CellIndex idx) {
        java.util.Set<Device> out = java.util.EnumSet.noneOf(Device.class);
        published().stream().map(Figure::model).distinct().map(m -> match(idx, m)).filter(java.util.Objects::nonNull)
                .forEach(g -> out.add(g.plain().device()));
        return out;
    }

    /** Memory: seed plain / checkpointed / saving, ours the same where a cell matches. */
    public static ReportTable memory(CellIndex idx) {
        List<Figure> f = published();
        Map<String, Figure> models = new LinkedHashMap<>();
        f.stream().filter(x -> x.table().equals("memory")).forEach(x -> models.putIfAbsent(x.model(), x));
        List<List<String>> rows = new ArrayList<>();
        for (Figure m : models.values()) {
            int s = f.stream().filter(x -> x.table().equals("memory") && x.model().equals(m.model())
                    && x.segments() > 0).mapToInt(Figure::segments).findFirst().orElse(4);
            Figure plain = find(f, "memory", m.model(), 0, "peak");
            Figure ck = find(f, "memory", m.model(), s, "peak");
            Figure sv = find(f, "memory", m.model(), s, "saving");
            CellIndex.Group g = match(idx, m.model());
            CellResult op = g == null ? null : idx.get(g, 0);
            CellResult oc = g == null ? null : idx.get(g, s);
            Double saving = CellIndex.savingPct(op, oc);
            rows.add(List.of(m.seedLabel(), Integer.toString(s), num(plain), num(ck), sv == null ? "" : num(sv) + " %",
                    ours(g),
                    g == null ? "–" : GroupColumns.cellText(op, Fmt.gib(CellIndex.peak(op))),
                    g == null ? "–" : GroupColumns.cellText(oc, Fmt.gib(CellIndex.peak(oc))),
                    saving == null ? "–" : Fmt.fixed(saving, 1) + " %"));
        }
        return new ReportTable(List.of("model", "segments", "seed: no ckpt (GB)", "seed: ckpt (GB)", "seed: saving",
                "ours: cells", "ours: no ckpt (GiB)", "ours: ckpt (GiB)", "ours: saving"), rows);
    }

    /** Time: seed seconds at 0/4/8 segments and increase; our per-step increase at 4 and 8 segments. */
    public static ReportTable time(CellIndex idx) {
        List<Figure> f = published();
        Map<String, Figure> models = new LinkedHashMap<>();
        f.stream().filter(x -> x.table().equals("time")).forEach(x -> models.putIfAbsent(x.model(), x));
        List<List<String>> rows = new ArrayList<>();
        for (Figure m : models.values()) {
            Figure p = find(f, "time", m.model(), 0, "time");
            Figure s4 = find(f, "time", m.model(), 4, "time");
            Figure s8 = find(f, "time", m.model(), 8, "time");
            CellIndex.Group g = match(idx, m.model());
            CellResult op = g == null ? null : idx.get(g, 0);
            rows.add(List.of(m.seedLabel(), num(p), num(s4), num(s8), inc(p, s4), inc(p, s8),
                    ours(g),
                    g == null ? "–" : pct(CellIndex.increasePct(op, idx.get(g, 4))),
                    g == null ? "–" : pct(CellIndex.increasePct(op, idx.get(g, 8)))));
        }
        return new ReportTable(List.of("model", "seed: none (s)", "seed: 4 seg (s)", "seed: 8 seg (s)",
                "seed: +4 seg", "seed: +8 seg", "ours: cells", "ours: +4 seg", "ours: +8 seg"), rows);
    }

    /** The sentence above the tables: where our columns come from, and what a CPU column can and cannot say. */
    public static String note(CellIndex idx) {
        java.util.Set<Device> devices = matchedDevices(idx);
        if (devices.contains(Device.GPU)) {
            return "Our columns come from cells of this run with the seed's configuration (batch 32, 224 px, GPU)"
                    + (devices.contains(Device.CPU) ? "; models without a GPU cell show this run's CPU cells (the column says which)." : ".");
        }
        if (devices.contains(Device.CPU)) {
            return "Our columns come from this run's CPU cells of the seed's configuration (batch 32, 224 px, fp32); the seed's figures"
                    + " are GPU ones. What transfers: the bytes a step keeps (parameters, gradients, AdamW state and the activations"
                    + " autograd saves are the same tensors on either device), so the saving in % is the comparable figure. What does"
                    + " not: absolute GiB (our CPU method counts process memory above the steady state, a GPU figure counts the"
                    + " CUDA allocator's bytes, with cuDNN workspaces and the seed's unstated precision) and step times.";
        }
        return "No cell of this run has the seed's configuration (batch 32, 224 px): the seed's figures are shown alone. Run the"
                + " seed-table config (GPU) or seed-table-cpu to fill our columns.";
    }

    private static String num(Figure x) {
        return x == null ? "" : Fmt.exact(x.value());
    }

    private static String inc(Figure p, Figure c) {
        return p == null || c == null ? "" : Fmt.fixed((c.value() / p.value() - 1) * 100, 0) + " %";
    }

    private static String pct(Double d) {
        return d == null ? "–" : Fmt.fixed(d, 1) + " %";
    }

}
