package org.medfusion.results;

import org.medfusion.platform.Json;
import org.medfusion.platform.AtomicFiles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CellStoreTest {

    @TempDir
    Path run;

    @Test
    void roundTripsEveryCell() {
        List<CellResult> cells = Fixtures.run();
        cells.forEach(c -> CellStore.save(run, c));
        List<CellResult> expected = new ArrayList<>(cells);
        expected.sort((a, b) -> CellKey.ORDER.compare(a.key(), b.key()));
        assertEquals(expected, CellStore.load(run));
        assertTrue(Files.exists(run.resolve("cells/resnet50_b32_r224_s4_fp32_gpu.json")));
    }

    @Test
    void resumeAfterSimulatedKillIgnoresTempFile() throws Exception {
        List<CellResult> cells = Fixtures.run();
        CellStore.save(run, cells.get(0));
        // a kill during the second cell's write leaves only a temp file with half of its JSON
        CellKey second = cells.get(1).key();
        String half = Json.MAPPER.writeValueAsString(cells.get(1)).substring(0, 40);
        Files.writeString(CellStore.cellsDir(run).resolve("." + second.id() + ".json.123" + AtomicFiles.TEMP_SUFFIX),
                half);
        assertTrue(CellStore.isDone(run, cells.get(0).key()));
        assertFalse(CellStore.isDone(run, second), "a temp file is not a finished cell");
        assertEquals(List.of(cells.get(0)), CellStore.load(run));
        // the resumed run measures the second cell and overwrites nothing else
        CellStore.save(run, cells.get(1));
        assertTrue(CellStore.isDone(run, second));
        assertEquals(2, CellStore.load(run).size());
    }

    @Test
    void atomicWriteLeavesNoTempFiles() throws Exception {
        Path f = AtomicFiles.writeString(run.resolve("a/b.txt"), "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        try (var s = Files.list(f.getParent())) {
            assertEquals(List.of("b.txt"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void corruptCellFileNamesTheFile() throws Exception {
        CellStore.save(run, Fixtures.run().get(0));
        Path bad = CellStore.cellsDir(run).resolve("resnet50_b32_r224_s2_fp32_gpu.json");
        Files.writeString(bad, "{\"key\": {\"model\": \"resnet50\", ");
        ReportDataException e = assertThrows(ReportDataException.class, () -> CellStore.load(run));
        assertTrue(e.getMessage().startsWith("corrupt cell file " + bad), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void cellFileUnderWrongNameIsRejected() throws Exception {
        Path f = CellStore.save(run, Fixtures.run().get(0));
        Files.move(f, f.resolveSibling("other_b1_r1_s0_fp32_cpu.json"));
        ReportDataException e = assertThrows(ReportDataException.class, () -> CellStore.load(run));
        assertTrue(e.getMessage().contains("holds cell resnet50_b32_r224_s0_fp32_gpu"), e.getMessage());
    }

    @Test
    void missingRunDirIsClearError() {
        ReportDataException e = assertThrows(ReportDataException.class, () -> CellStore.load(run.resolve("nope")));
        assertEquals("run directory " + run.resolve("nope") + " does not exist", e.getMessage());
    }
}
