package org.medfusion.results;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.platform.Json;

/**
 * The planner's predicted peak of each cell of a run, stored in the run ({@code predictions.json}: cell id to bytes)
 * when the run is measured, from the profiles cached then for the run's environment. The report reads them from here
 * only, so a run directory renders the same on every machine; a cell without a cached profile has no prediction.
 */
public record PredictedPeaks(Map<String, Long> bytesByCell) {

    public static final String FILE = "predictions.json";

    public PredictedPeaks {
        bytesByCell = Map.copyOf(bytesByCell);
    }

    /** The predictions of {@code cells} that {@code predictor} has (null: none for that cell). */
    public static PredictedPeaks of(Collection<CellKey> cells, Function<CellKey, Long> predictor) {
        Map<String, Long> m = new TreeMap<>();
        for (CellKey k : cells) {
            Long p = predictor.apply(k);
            if (p != null) {
                m.put(k.id(), p);
            }
        }
        return new PredictedPeaks(m);
    }

    /** The prediction of one cell, or null. */
    public Long of(CellKey cell) {
        return bytesByCell.get(cell.id());
    }

    /** Writes {@code predictions.json} when there is any prediction (a run without profiles gets no file). */
    public void write(Path runDir) {
        if (bytesByCell.isEmpty()) {
            return;
        }
        try {
            AtomicFiles.writeString(runDir.resolve(FILE), Json.MAPPER.writeValueAsString(new TreeMap<>(bytesByCell)) + "\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The stored predictions of a run; none when the file is absent. */
    public static PredictedPeaks read(Path runDir) {
        Path f = runDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return new PredictedPeaks(Map.of());
        }
        try {
            return new PredictedPeaks(Json.MAPPER.readValue(Files.readString(f), new TypeReference<Map<String, Long>>() { }));
        } catch (IOException | RuntimeException e) {
            throw new ReportDataException(f + " is not a valid predictions file: " + Json.oneLine(e));
        }
    }
}
