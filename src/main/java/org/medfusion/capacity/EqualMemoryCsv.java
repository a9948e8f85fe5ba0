package org.medfusion.capacity;

import org.medfusion.results.MemoryMethod;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.results.Csv;
import org.medfusion.results.Fmt;
import org.medfusion.results.ReportDataException;

/** {@code equal-memory.csv}: one row per (model, res, cap, mode), written atomically, read back by the report. */
public final class EqualMemoryCsv {

    public static final String FILE = "equal-memory.csv";
    static final List<String> HEADER = List.of("model", "res", "precision", "device", "cap_bytes", "mode", "segments", "plan",
            "largest_batch", "reached_max_batch", "peak_bytes", "memory_method", "step_ms_median", "step_ms_ci_low", "step_ms_ci_high",
            "step_samples", "throughput_sps", "throughput_ci_low", "throughput_ci_high", "time_note", "probes", "model_state_bytes");

    private EqualMemoryCsv() {
    }

    public static Path write(Path file, List<EqualMemoryRow> rows) {
        List<List<String>> out = new ArrayList<>();
        for (EqualMemoryRow r : rows) {
            out.add(List.of(r.model(), Integer.toString(r.res()), r.precision(), r.device(), Long.toString(r.capBytes()), r.mode().label(),
                    Integer.toString(r.segments()), r.plan(), Integer.toString(r.largestBatch()), Boolean.toString(r.reachedMaxBatch()),
                    Fmt.exact(r.peakBytes()), nz(r.memoryMethod() == null ? null : r.memoryMethod().label()), Fmt.exact(r.stepMsMedian()), Fmt.exact(r.stepMsCiLow()),
                    Fmt.exact(r.stepMsCiHigh()), Integer.toString(r.stepSamples()), Fmt.fixed(r.throughput(), 4),
                    Fmt.fixed(r.throughputCiLow(), 4), Fmt.fixed(r.throughputCiHigh(), 4), nz(r.timeNote()), r.probes(),
                    Fmt.exact(r.modelStateBytes())));
        }
        return AtomicFiles.writeString(file, Csv.render(HEADER, out));
    }

    /** @throws ReportDataException the file is unreadable or a row is malformed (the row and column named) */
    public static List<EqualMemoryRow> read(Path file) {
        List<EqualMemoryRow> rows = new ArrayList<>();
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8); CSVParser p = CSVParser.parse(in, format)) {
            for (String h : HEADER) {
                if (!p.getHeaderMap().containsKey(h)) {
                    throw new ReportDataException(file + ": column '" + h + "' is missing");
                }
            }
            for (CSVRecord r : p) {
                try {
                    rows.add(new EqualMemoryRow(r.get("model"), Integer.parseInt(r.get("res")), r.get("precision"), r.get("device"),
                            Long.parseLong(r.get("cap_bytes")), CapacityMode.parse(r.get("mode")), Integer.parseInt(r.get("segments")),
                            r.get("plan"), Integer.parseInt(r.get("largest_batch")), Boolean.parseBoolean(r.get("reached_max_batch")),
                            longOrNull(r.get("peak_bytes")), MemoryMethod.parseOrNull(r.get("memory_method")), doubleOrNull(r.get("step_ms_median")),
                            doubleOrNull(r.get("step_ms_ci_low")), doubleOrNull(r.get("step_ms_ci_high")), Integer.parseInt(r.get("step_samples")),
                            r.get("time_note"), r.get("probes"), longOrNull(r.get("model_state_bytes"))));
                } catch (IllegalArgumentException e) {
                    throw new ReportDataException(file + " line " + r.getRecordNumber() + ": " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new ReportDataException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return rows;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static Long longOrNull(String s) {
        return s == null || s.isBlank() ? null : Long.parseLong(s.trim());
    }

    private static Double doubleOrNull(String s) {
        return s == null || s.isBlank() ? null : Double.parseDouble(s.trim());
    }
}
