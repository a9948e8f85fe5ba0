package org.medfusion.report;

import org.medfusion.results.RawCsv;
import org.medfusion.results.Fixtures;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.ReportDataException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTablesTest {

    @TempDir
    Path tmp;

    @Test
    void rawCsvGolden() throws Exception {
        Golden.check("raw.csv", RawCsv.render(Fixtures.run()));
    }

    @Test
    void memoryCsvGolden() throws Exception {
        Golden.check("memory.csv", MemoryTable.of(Fixtures.run()).toCsv());
    }

    @Test
    void slowdownCsvGolden() throws Exception {
        Golden.check("slowdown.csv", SlowdownTable.of(Fixtures.run()).toCsv());
    }

    @Test
    void numbersIgnoreTheDefaultLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertEquals(RawCsv.render(Fixtures.run()).lines().toList().get(2),
                    withRoot(() -> RawCsv.render(Fixtures.run()).lines().toList().get(2)));
            assertFalse(MemoryTable.of(Fixtures.run()).toCsv().contains("34,"));
        } finally {
            Locale.setDefault(before);
        }
    }

    private static String withRoot(java.util.function.Supplier<String> s) {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.ROOT);
        try {
            return s.get();
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void savingsAndSlowdownsComeFromTheSameRun() {
        MemoryTable m = MemoryTable.of(Fixtures.run());
        MemoryTable.Row r50 = m.rows().stream().filter(r -> r.group().model().equals("resnet50")).findFirst()
                .orElseThrow();
        assertEquals((1 - 5400.0 / 8200.0) * 100, r50.savingPct().get(4), 1e-9);
        MemoryTable.Row r152 = m.rows().stream().filter(r -> r.group().model().equals("resnet152")).findFirst()
                .orElseThrow();
        assertEquals(null, r152.savingPct().get(4), "plain cell OOM: no saving, never 0");
        assertEquals(null, r152.peakBytes().get(0));
    }

    @Test
    void rawCsvRoundTrips() throws Exception {
        Path f = RawCsv.write(tmp.resolve("raw.csv"), Fixtures.run());
        List<CellResult> expected = new ArrayList<>(Fixtures.run());
        expected.sort((a, b) -> CellKey.ORDER.compare(a.key(), b.key()));
        assertEquals(expected, RawCsv.read(f));
    }

    @Test
    void corruptRawCsvNamesLineAndColumn() throws Exception {
        String good = RawCsv.render(Fixtures.run());
        List<String> lines = new ArrayList<>(good.lines().toList());
        lines.set(3, lines.get(3).replaceFirst(",32,224,", ",3x2,224,"));
        Path f = tmp.resolve("raw.csv");
        Files.writeString(f, String.join("\n", lines) + "\n");
        ReportDataException e = assertThrows(ReportDataException.class, () -> RawCsv.read(f));
        assertEquals(f + " line 4, column batch: not an integer: '3x2'", e.getMessage());
    }

    @Test
    void rawCsvWithoutTheDerivedCvColumnStillReads() throws Exception {
        List<org.medfusion.results.CellResult> cells = Fixtures.run();
        List<String> lines = new java.util.ArrayList<>();
        try (var p = org.apache.commons.csv.CSVParser.parse(RawCsv.render(cells), org.apache.commons.csv.CSVFormat.DEFAULT)) {
            int cv = -1;
            for (var rec : p) {
                List<String> f = new java.util.ArrayList<>(rec.toList());
                if (cv < 0) {
                    cv = f.indexOf("step_ms_cv");
                }
                f.remove(cv);
                lines.add(f.stream().map(x -> x.contains(",") || x.contains("\"") ? "\"" + x.replace("\"", "\"\"") + "\"" : x)
                        .collect(java.util.stream.Collectors.joining(",")));
            }
        }
        Path f = tmp.resolve("old-raw.csv");
        Files.writeString(f, String.join("\n", lines) + "\n");
        assertEquals(RawCsv.render(cells), RawCsv.render(RawCsv.read(f)), "same cells, cv derived again");
    }

    @Test
    void truncatedRawCsvIsClearError() throws Exception {
        String good = RawCsv.render(Fixtures.run());
        Path f = tmp.resolve("raw.csv");
        Files.writeString(f, good.substring(0, good.indexOf('\n', good.indexOf('\n') + 1) + 30));
        ReportDataException e = assertThrows(ReportDataException.class, () -> RawCsv.read(f));
        assertTrue(e.getMessage().startsWith(f + " line 3: expected " + RawCsv.COLUMNS.size() + " fields, got"), e.getMessage());
    }

    @Test
    void wrongHeaderAndUnclosedQuote() throws Exception {
        Path f = tmp.resolve("raw.csv");
        Files.writeString(f, "model,batch\nresnet50,3\n");
        assertTrue(assertThrows(ReportDataException.class, () -> RawCsv.read(f)).getMessage()
                .startsWith(f + " line 1: header is not the raw.csv columns"));
        String good = RawCsv.render(Fixtures.run());
        Files.writeString(f, good + "resnet50,\"unclosed,32\n");
        ReportDataException e = assertThrows(ReportDataException.class, () -> RawCsv.read(f));
        assertTrue(e.getMessage().contains("line 15"), e.getMessage());
        Files.writeString(f, "");
        assertTrue(assertThrows(ReportDataException.class, () -> RawCsv.read(f)).getMessage().contains("empty file"));
        assertEquals("missing " + tmp.resolve("none.csv"),
                assertThrows(ReportDataException.class, () -> RawCsv.read(tmp.resolve("none.csv"))).getMessage());
    }
}
