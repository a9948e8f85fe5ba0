package org.medfusion.results;

import org.medfusion.platform.Json;
import org.medfusion.platform.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The finished cells of a run directory: one JSON file per cell at {@code <runDir>/cells/<key.id()>.json}
 * (a serialized {@link CellResult}), written atomically through {@link AtomicFiles} as soon as the cell finishes.
 *
 * <p>Resume: a cell is done when its JSON file exists and holds a result (ok, oom) or an unsupported cell; a
 * failed measurement (error, crash) is measured again unless the caller keeps errors ({@code run --keep-errors}).
 * An interrupted cell leaves nothing behind: a temp file left by a kill during the write is not a finished cell and is ignored. Corrupt files raise a
 * {@link ReportDataException} whose one-line message names the file.
 */
public final class CellStore {

    public static final String CELLS_DIR = "cells";

    private CellStore() {
    }

    public static Path cellsDir(Path runDir) {
        return runDir.resolve(CELLS_DIR);
    }

    public static Path cellFile(Path runDir, CellKey key) {
        return cellsDir(runDir).resolve(key.id() + ".json");
    }

    /** Writes (atomically) one finished cell; returns its file. */
    public static Path save(Path runDir, CellResult result) {
        try {
            return AtomicFiles.writeString(cellFile(runDir, result.key()),
                    Json.MAPPER.writeValueAsString(result) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize cell " + result.key().id() + ": " + e.getMessage(), e);
        }
    }

    /** True when the cell's result file exists, whatever its status (what {@code run --keep-errors} resumes on). */
    public static boolean isDone(Path runDir, CellKey key) {
        return Files.isRegularFile(cellFile(runDir, key));
    }

    /**
     * True when the cell must not be measured again: its file exists and, unless {@code keepErrors}, its status is
     * not a failed measurement (error, crash).
     *
     * @throws ReportDataException when the cell file is corrupt
     */
    public static boolean isDone(Path runDir, CellKey key, boolean keepErrors) {
        if (!isDone(runDir, key)) {
            return false;
        }
        return keepErrors || !read(cellFile(runDir, key)).status().isFailure();
    }

    /** Reads one cell file; checks that its key matches the file name. */
    public static CellResult read(Path file) {
        CellResult r;
        try {
            r = Json.MAPPER.readValue(Files.readString(file), CellResult.class);
        } catch (NoSuchFileException e) {
            throw new ReportDataException("missing cell file " + file);
        } catch (IOException e) {
            throw new ReportDataException("corrupt cell file " + file + ": " + Json.oneLine(e), e);
        }
        if (r == null || r.key() == null || r.status() == null) {
            throw new ReportDataException("corrupt cell file " + file + ": no key or status");
        }
        String expected = r.key().id() + ".json";
        if (!file.getFileName().toString().equals(expected)) {
            throw new ReportDataException("cell file " + file + " holds cell " + r.key().id() + " (expected file name "
                    + expected + ")");
        }
        return r;
    }

    /**
     * Every finished cell of the run, sorted by {@link CellKey#ORDER}; empty when the run has no cells yet.
     *
     * @throws ReportDataException when the run directory does not exist or a cell file is corrupt
     */
    public static List<CellResult> load(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            throw new ReportDataException("run directory " + runDir + " does not exist");
        }
        Path dir = cellsDir(runDir);
        List<CellResult> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                if (AtomicFiles.isTemp(f) || !f.getFileName().toString().endsWith(".json")) {
                    continue;
                }
                out.add(read(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        out.sort((a, b) -> CellKey.ORDER.compare(a.key(), b.key()));
        return out;
    }
}
