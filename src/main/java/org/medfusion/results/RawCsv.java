package org.medfusion.results;

import org.medfusion.platform.Json;
import org.medfusion.platform.AtomicFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.medfusion.checkpoint.Split;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * {@code raw.csv}: one row per cell, every parameter and metric, in the fixed column order {@link #COLUMNS}
 * (sealed by the golden file {@code src/test/resources/golden/raw.csv}). Numbers are written with
 * {@link Fmt#exact} (shortest round-trip decimal, {@link Locale#ROOT}); a missing value is an empty field,
 * never 0. Lists ({@code memory_repeats}, {@code step_ms_samples}, {@code paired_plain_ms_samples}, {@code recompute_fork_ms},
 * {@code chain_forward_fork_ms}) are {@code ;}-joined. Units: bytes and
 * milliseconds as the column names say. Derived columns (not read back): {@code step_ms_cv}, the coefficient of
 * variation of the step samples (standard deviation / mean, a fraction: 0.05 = 5 %), and {@code recompute_overhead}
 * = (step median of this checkpointed cell - step median of the plain cell of the same run) / recompute_forward_ms.
 *
 * <p>{@link #read} parses the file back for {@code report} on old runs, with errors naming the line and column.
 */
public final class RawCsv {

    public static final String FILE = "raw.csv";

    public static final List<String> COLUMNS = java.util.stream.Stream.concat(CellJson.FIELDS.stream(),
            java.util.stream.Stream.of("recompute_overhead")).toList();

    /** Columns of raw.csv files written before {@code accumulation} was a cell coordinate: they read as 1. */
    static final List<String> NO_ACCUMULATION_COLUMNS = COLUMNS.stream().filter(c -> !c.equals("accumulation")).toList();
    /** Columns of raw.csv files written before {@code step_ms_cv} existed (it is derived, so nothing is lost). */
    static final List<String> NO_CV_COLUMNS = NO_ACCUMULATION_COLUMNS.stream().filter(c -> !c.equals("step_ms_cv")).toList();
    /** The columns of raw.csv files written before the split was a cell coordinate: they read as uniform. */
    static final List<String> LEGACY_COLUMNS = NO_CV_COLUMNS.stream().filter(c -> !c.equals("split")).toList();
    /** Columns that older files may lack: {@link #LEGACY_DEFAULTS} gives the coordinates' values, step_ms_cv is derived. */
    static final List<String> OPTIONAL_COLUMNS = List.of("split", "accumulation", "step_ms_cv", "paired_plain_ms_samples",
            "recompute_fork_ms", "chain_forward_fork_ms");
    private static final java.util.Map<String, String> LEGACY_DEFAULTS = java.util.Map.of("split", "uniform", "accumulation", "1",
            "paired_plain_ms_samples", "", "recompute_fork_ms", "",
            "chain_forward_fork_ms", "");

    /**
     * The columns a run with a reference framework ({@code reference: [torch]}) adds at the end, named with the framework's
     * label: its status and message, version, threads, peak, malloc peak, step median, checkpointed/plain ratio, and our
     * peak and step over its. Figures read "not available" when its status is not ok; empty where nothing is stored yet.
     */
    public static List<String> referenceColumns(ReferenceFramework f) {
        String p = f.label();
        return List.of(p + "_status", p + "_message", p + "_version", p + "_threads", p + "_peak_bytes", p + "_malloc_peak_bytes",
                p + "_step_ms_median", p + "_paired_ratio", "peak_ratio_" + p, "step_ratio_" + p);
    }

    private RawCsv() {
    }

    /** The CSV text of the cells (sorted by {@link CellKey#ORDER}). */
    public static String render(List<CellResult> cells) {
        return render(cells, new CellIndex(cells));
    }

    /** As {@link #render(List)}, with the index of the same cells already built. */
    public static String render(List<CellResult> cells, CellIndex idx) {
        return render(cells, idx, null);
    }

    /** As {@link #render(List, CellIndex)}, with the reference columns when {@code refs} is not null (the run has one). */
    public static String render(List<CellResult> cells, CellIndex idx, ReferenceStore.References refs) {
        List<List<String>> rows = new ArrayList<>();
        cells.stream().sorted((a, b) -> CellKey.ORDER.compare(a.key(), b.key())).forEach(r -> {
            CellKey k = r.key();
            CellResult plain = k.segments() == 0 ? null : idx.plainOf(k);
            rows.add(List.of(k.model(), nz(r.family()), Integer.toString(k.batch()), Integer.toString(k.res()),
                    Integer.toString(k.segments()), k.split().label(), Integer.toString(k.accumulation()),
                    k.precision().label(), k.device().label(), r.status().label(), nz(r.message()),
                    Fmt.exact(r.peakBytes()), nz(r.memoryMethod() == null ? null : r.memoryMethod().label()), Fmt.joinLongs(r.memoryRepeats()),
                    Fmt.exact(r.stepMsMedian()), Fmt.exact(r.stepMsCiLow()), Fmt.exact(r.stepMsCiHigh()),
                    r.stepMsSamples().isEmpty() ? "" : Integer.toString(r.stepMsSamples().size()),
                    Fmt.joinDoubles(r.stepMsSamples()), Fmt.exact(Stats.cv(r.stepMsSamples())), Fmt.exact(r.recomputeForwardMs()),
                    Fmt.joinDoubles(r.pairedPlainMsSamples()), Fmt.joinDoubles(r.recomputeForkMs()), Fmt.joinDoubles(r.chainForwardForkMs()),
                    plain == null ? "" : Fmt.exact(CellIndex.recomputeOverhead(plain, r))));
            if (refs != null) {
                List<String> row = new ArrayList<>(rows.remove(rows.size() - 1));
                row.addAll(referenceFields(r, refs.of(k)));
                rows.add(row);
            }
        });
        if (refs == null) {
            return Csv.render(COLUMNS, rows);
        }
        List<String> header = new ArrayList<>(COLUMNS);
        header.addAll(referenceColumns(refs.framework()));
        return Csv.render(header, rows);
    }

    private static List<String> referenceFields(CellResult r, ReferenceFigures f) {
        if (f == null) {
            return java.util.Collections.nCopies(10, "");
        }
        if (!f.ok()) {
            String na = ReferenceFigures.NOT_AVAILABLE;
            return List.of(f.status(), nz(f.message()), nz(f.torch()), f.threads() == 0 ? "" : Integer.toString(f.threads()), na, na, na, na, na, na);
        }
        return List.of(f.status(), "", nz(f.torch()), Integer.toString(f.threads()), Fmt.exact(f.peakBytes()), Fmt.exact(f.mallocPeakBytes()),
                Fmt.exact(f.stepMsMedian()), Fmt.exact(f.plainRatioMedian()), Fmt.exact(ReferenceFigures.ratio(CellIndex.peak(r), f.peakBytes())),
                Fmt.exact(ReferenceFigures.ratio(CellIndex.ok(r) ? r.stepMsMedian() : null, f.stepMsMedian())));
    }

    /** As {@link #write(Path, List, CellIndex)}, with the reference columns when {@code refs} is not null. */
    public static Path write(Path file, List<CellResult> cells, CellIndex idx, ReferenceStore.References refs) {
        return AtomicFiles.writeString(file, render(cells, idx, refs));
    }

    /** Writes {@code file} atomically. */
    public static Path write(Path file, List<CellResult> cells) {
        return AtomicFiles.writeString(file, render(cells));
    }

    /** As {@link #write(Path, List)}, with the index of the same cells already built. */
    public static Path write(Path file, List<CellResult> cells, CellIndex idx) {
        return AtomicFiles.writeString(file, render(cells, idx));
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /**
     * Parses a raw.csv back into cells. {@code recompute_overhead} is derived and not read back.
     *
     * @throws ReportDataException "raw.csv line N, column C: ..." for a corrupt file, or a missing file
     */
    public static List<CellResult> read(Path file) {
        try (Reader in = Files.newBufferedReader(file)) {
            return read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new ReportDataException("missing " + file);
        } catch (IOException e) {
            throw new ReportDataException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static List<CellResult> read(Reader in, String name) throws IOException {
        List<CellResult> out = new ArrayList<>();
        long prevEnd = 0;
        try (CSVParser p = CSVParser.builder().setReader(in).setFormat(Csv.FORMAT).get()) {
            Iterator<CSVRecord> it = p.iterator();
            boolean header = true;
            List<String> columns = COLUMNS;
            while (true) {
                CSVRecord rec;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    rec = it.next();
                } catch (UncheckedIOException | IllegalStateException e) {
                    throw new ReportDataException(name + " line " + (prevEnd + 1) + ": malformed CSV ("
                            + Json.oneLine(e.getCause() != null ? e.getCause() : e) + ")", e);
                }
                long line = prevEnd + 1;
                prevEnd = p.getCurrentLineNumber();
                if (header) {
                    header = false;
                    List<String> h = withoutReferenceColumns(rec.toList()); // a reference's figures are not read back
                    if (isOlderHeader(h)) {
                        columns = rec.toList();
                        continue;
                    }
                    if (!h.equals(COLUMNS)) {
                        throw new ReportDataException(name + " line 1: header is not the raw.csv columns; expected "
                                + String.join(",", COLUMNS) + " got " + String.join(",", rec.toList()));
                    }
                    columns = rec.toList();
                    continue;
                }
                if (rec.size() == 1 && rec.get(0).isEmpty()) {
                    continue; // blank line
                }
                if (rec.size() != columns.size()) {
                    throw new ReportDataException(name + " line " + line + ": expected " + columns.size()
                            + " fields, got " + rec.size());
                }
                out.add(new Row(rec, columns, name, line).parse());
            }
            if (header) {
                throw new ReportDataException(name + " line 1: empty file, no header");
            }
        }
        return out;
    }

    /** {@code header} without a reference framework's trailing columns, when it ends with them. */
    static List<String> withoutReferenceColumns(List<String> header) {
        for (ReferenceFramework f : ReferenceFramework.values()) {
            List<String> ref = referenceColumns(f);
            if (header.size() > ref.size() && header.subList(header.size() - ref.size(), header.size()).equals(ref)) {
                return header.subList(0, header.size() - ref.size());
            }
        }
        return header;
    }

    /** The columns in order with some of {@link #OPTIONAL_COLUMNS} missing: a file written before they existed. */
    static boolean isOlderHeader(List<String> header) {
        return !header.equals(COLUMNS)
                && COLUMNS.stream().filter(c -> header.contains(c) || !OPTIONAL_COLUMNS.contains(c)).toList().equals(header);
    }

    /** One record being parsed, for error messages. */
    private record Row(CSVRecord rec, List<String> columns, String name, long line) {
        String s(String col) {
            int i = columns.indexOf(col);
            return i < 0 ? LEGACY_DEFAULTS.get(col) : rec.get(i);
        }

        String opt(String col) {
            String v = s(col);
            return v.isEmpty() ? null : v;
        }

        ReportDataException err(String col, String what) {
            return new ReportDataException(name + " line " + line + ", column " + col + ": " + what + ": '"
                    + s(col) + "'");
        }

        int integer(String col) {
            try {
                return Integer.parseInt(s(col));
            } catch (NumberFormatException e) {
                throw err(col, "not an integer");
            }
        }

        Long optLong(String col) {
            String v = opt(col);
            try {
                return v == null ? null : Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw err(col, "not an integer");
            }
        }

        Double optDouble(String col) {
            String v = opt(col);
            try {
                return v == null ? null : Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw err(col, "not a number");
            }
        }

        List<Long> longs(String col) {
            List<Long> l = new ArrayList<>();
            if (s(col).isEmpty()) {
                return l;
            }
            try {
                for (String x : s(col).split(";")) {
                    l.add(Long.parseLong(x.trim()));
                }
            } catch (NumberFormatException e) {
                throw err(col, "not a ;-joined list of integers");
            }
            return l;
        }

        List<Double> doubles(String col) {
            List<Double> l = new ArrayList<>();
            if (s(col).isEmpty()) {
                return l;
            }
            try {
                for (String x : s(col).split(";")) {
                    l.add(Double.parseDouble(x.trim()));
                }
            } catch (NumberFormatException e) {
                throw err(col, "not a ;-joined list of numbers");
            }
            return l;
        }

        <T> T parsed(String col, java.util.function.Function<String, T> parser) {
            try {
                return parser.apply(required(col));
            } catch (IllegalArgumentException e) {
                throw err(col, e.getMessage().replaceFirst(", got .*$", ""));
            }
        }

        int accumulation() {
            int k = integer("accumulation");
            if (k < 1) {
                throw err("accumulation", "must be >= 1");
            }
            return k;
        }

        String required(String col) {
            if (s(col).isEmpty()) {
                throw err(col, "must not be empty");
            }
            return s(col);
        }

        MemoryMethod memoryMethod() {
            return s("memory_method").isEmpty() ? null : parsed("memory_method", MemoryMethod::parse);
        }

        CellResult parse() {
            CellStatus status;
            try {
                status = CellStatus.valueOf(required("status").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw err("status", "not one of ok, oom, error, unsupported, crash");
            }
            CellKey key = new CellKey(required("model"), integer("batch"), integer("res"), integer("segments"),
                    parsed("split", Split::parse), parsed("precision", Precision::parse), parsed("device", Device::parse),
                    accumulation());
            List<Double> samples = doubles("step_ms_samples");
            Long n = optLong("step_ms_n");
            if (n != null && n != samples.size()) {
                throw err("step_ms_n", "does not match the " + samples.size() + " samples in step_ms_samples");
            }
            return CellResult.builder(key, opt("family"), status).peak(optLong("peak_bytes"), memoryMethod())
                    .memoryRepeats(longs("memory_repeats")).stepMsSamples(samples)
                    .stepMs(optDouble("step_ms_median"), optDouble("step_ms_ci_low"), optDouble("step_ms_ci_high"))
                    .recomputeForwardMs(optDouble("recompute_forward_ms")).pairedPlainMsSamples(doubles("paired_plain_ms_samples"))
                    .recomputeForkMs(doubles("recompute_fork_ms")).chainForwardForkMs(doubles("chain_forward_fork_ms"))
                    .message(opt("message")).build();
        }
    }
}
