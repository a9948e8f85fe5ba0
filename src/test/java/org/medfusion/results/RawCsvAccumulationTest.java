package org.medfusion.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medfusion.checkpoint.Split;

/** {@code accumulation} in raw.csv: written, read back, and absent from older files (they read as 1). */
class RawCsvAccumulationTest {

    static CellResult cell(int segments, int accumulation, long peak) {
        return CellResult.builder(new CellKey("resnet18", 8, 32, segments, Split.UNIFORM, Precision.FP32, Device.CPU, accumulation), "resnet",
                CellStatus.OK).peak(peak, MemoryMethod.CPU_RSS_PEAK).memoryRepeats(List.of(peak, peak + 1)).stepMsSamples(List.of(10.0, 11.0, 12.0))
                .stepMs(11.0, 10.0, 12.0).recomputeForwardMs(2.5).build();
    }

    @Test
    void roundTripKeepsAccumulation() throws Exception {
        List<CellResult> cells = List.of(cell(0, 1, 1000), cell(4, 1, 800), cell(0, 4, 600), cell(4, 4, 500));
        String csv = RawCsv.render(cells);
        assertEquals(RawCsv.COLUMNS, List.of(csv.lines().findFirst().orElseThrow().split(",")));
        List<CellResult> back = RawCsv.read(new StringReader(csv), "raw.csv");
        assertEquals(List.of(1, 1, 4, 4), back.stream().map(r -> r.key().accumulation()).toList());
        assertEquals(csv, RawCsv.render(back));
        assertEquals(cells.stream().map(CellResult::key).sorted(CellKey.ORDER).toList(), back.stream().map(CellResult::key).toList());
    }

    @Test
    void filesWithoutTheColumnReadAsOne() throws Exception {
        String csv = RawCsv.render(List.of(cell(0, 1, 1000), cell(4, 1, 800)));
        int col = RawCsv.COLUMNS.indexOf("accumulation");
        StringBuilder old = new StringBuilder();
        for (String line : csv.lines().toList()) {
            List<String> f = new java.util.ArrayList<>(List.of(line.split(",", -1)));
            f.remove(col);
            old.append(String.join(",", f)).append('\n');
        }
        List<CellResult> back = RawCsv.read(new StringReader(old.toString()), "raw.csv");
        assertEquals(List.of(1, 1), back.stream().map(r -> r.key().accumulation()).toList());
        assertEquals(csv, RawCsv.render(back));
    }

    @Test
    void badAccumulationNamesLineAndColumn() {
        String csv = RawCsv.render(List.of(cell(0, 1, 1000))).replace(",resnet18,", ",resnet18,");
        int col = RawCsv.COLUMNS.indexOf("accumulation");
        List<String> lines = csv.lines().toList();
        List<String> f = new java.util.ArrayList<>(List.of(lines.get(1).split(",", -1)));
        f.set(col, "0");
        String bad = lines.get(0) + "\n" + String.join(",", f) + "\n";
        ReportDataException e = assertThrows(ReportDataException.class, () -> RawCsv.read(new StringReader(bad), "raw.csv"));
        assertEquals("raw.csv line 2, column accumulation: must be >= 1: '0'", e.getMessage());
    }
}
