package org.medfusion.results;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The measured cells of a run directory, as report, gate and merge read them: its {@code cells/} JSON files
 * ({@link CellStore}), or {@code raw.csv} ({@link RawCsv}) for runs that kept only that.
 *
 * <p>Every figure passes {@link StoredDataCheck} (NaN or negative figures are corrupt data).
 *
 * @param cells the cells, sorted by {@link CellKey#ORDER}; empty when the run has neither
 * @param fromRawCsv whether they came from raw.csv rather than cells/
 */
public record StoredCells(List<CellResult> cells, boolean fromRawCsv) {

    public static StoredCells load(Path runDir) {
        List<CellResult> cells = CellStore.load(runDir);
        Path raw = runDir.resolve(RawCsv.FILE);
        if (cells.isEmpty() && Files.isRegularFile(raw)) {
            List<CellResult> fromCsv = RawCsv.read(raw);
            StoredDataCheck.check(raw, fromCsv);
            return new StoredCells(fromCsv, true);
        }
        for (CellResult c : cells) {
            StoredDataCheck.check(CellStore.cellFile(runDir, c.key()), c);
        }
        return new StoredCells(cells, false);
    }
}
