package org.medfusion.results;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.platform.Json;

/**
 * A reference framework's figures of a run's cells: {@code <runDir>/reference/<framework>/<key.id()>.json}, one
 * {@link ReferenceFigures} per cell, written atomically when measured, beside (never inside) the cell files, so the
 * cells and every committed run stay as they were. The folder exists from the start of a run that has the reference
 * configured, so "this run has PyTorch beside it" is a fact of the run directory: the CSVs get their reference columns
 * only then, and committed runs without it render byte-identically.
 *
 * <p>Resume keeps a stored {@code ok} figure measured with the same thread count (and an {@code error} with
 * {@code --keep-errors}); a "not available" one is asked again (finding the interpreter costs seconds).
 */
public final class ReferenceStore {

    public static final String DIR = "reference";

    /** The stored figures of one framework, by cell id. */
    public record References(ReferenceFramework framework, Map<String, ReferenceFigures> byCellId) {

        /** The figures of {@code key}, or null when none is stored (not measured yet). */
        public ReferenceFigures of(CellKey key) {
            return key == null ? null : byCellId.get(key.id());
        }
    }

    private ReferenceStore() {
    }

    public static Path dir(Path runDir, ReferenceFramework f) {
        return runDir.resolve(DIR).resolve(f.label());
    }

    public static Path file(Path runDir, ReferenceFramework f, CellKey key) {
        return dir(runDir, f).resolve(key.id() + ".json");
    }

    /** Marks the run as having {@code f} beside it (its folder), before any cell is measured. */
    public static void configure(Path runDir, ReferenceFramework f) {
        try {
            Files.createDirectories(dir(runDir, f));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir(runDir, f) + ": " + e.getMessage(), e);
        }
    }

    public static Path save(Path runDir, ReferenceFramework f, CellKey key, ReferenceFigures figures) {
        try {
            return AtomicFiles.writeString(file(runDir, f, key), Json.MAPPER.writeValueAsString(figures) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the " + f.label() + " figures of " + key.id() + ": " + e.getMessage(), e);
        }
    }

    /** The stored figures of {@code key}, if any. */
    public static Optional<ReferenceFigures> read(Path runDir, ReferenceFramework f, CellKey key) {
        Path p = file(runDir, f, key);
        return Files.isRegularFile(p) ? Optional.of(read(p)) : Optional.empty();
    }

    /** Whether resume keeps the stored figures of {@code key} measured with {@code threads} intra-op threads. */
    public static boolean isDone(Path runDir, ReferenceFramework f, CellKey key, int threads, boolean keepErrors) {
        return read(runDir, f, key).filter(r -> r.threads() == threads && (r.ok() || keepErrors && ReferenceFigures.ERROR.equals(r.status())))
                .isPresent();
    }

    /** The first framework the run has configured with its stored figures, or empty when it has none (no folder). */
    public static Optional<References> load(Path runDir) {
        for (ReferenceFramework f : ReferenceFramework.values()) {
            Path d = dir(runDir, f);
            if (!Files.isDirectory(d)) {
                continue;
            }
            Map<String, ReferenceFigures> out = new LinkedHashMap<>();
            try (Stream<Path> files = Files.list(d)) {
                for (Path p : files.sorted().toList()) {
                    String name = p.getFileName().toString();
                    if (!AtomicFiles.isTemp(p) && name.endsWith(".json")) {
                        out.put(name.substring(0, name.length() - ".json".length()), read(p));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + d + ": " + e.getMessage(), e);
            }
            return Optional.of(new References(f, out));
        }
        return Optional.empty();
    }

    /** Copies every stored figure of {@code from} into {@code to} (merging shards). */
    public static void copy(Path from, Path to) {
        load(from).ifPresent(refs -> {
            configure(to, refs.framework());
            refs.byCellId().forEach((id, figures) -> {
                try {
                    AtomicFiles.writeString(dir(to, refs.framework()).resolve(id + ".json"), Json.MAPPER.writeValueAsString(figures) + "\n");
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            });
        });
    }

    private static ReferenceFigures read(Path p) {
        try {
            ReferenceFigures r = Json.MAPPER.readValue(Files.readString(p), ReferenceFigures.class);
            if (r == null || r.status() == null) {
                throw new ReportDataException("corrupt reference file " + p + ": no status");
            }
            return r;
        } catch (IOException e) {
            throw new ReportDataException("corrupt reference file " + p + ": " + Json.oneLine(e), e);
        }
    }
}
