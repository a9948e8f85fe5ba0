package org.medfusion.history;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.medfusion.results.RunManifest;
import org.medfusion.results.StoredCells;

/** Finds run directories (those holding {@code manifest.json}) and loads them, oldest first. */
public final class HistoryRuns {

    /** How deep below a given folder run directories are searched ({@code results/baselines/<env>/<run>}). */
    static final int MAX_DEPTH = 4;

    private HistoryRuns() {
    }

    /**
     * Each path is a run directory or a folder searched for run directories. Runs are ordered by start time
     * (ISO-8601 sorts as text), then id. A shard ({@code run --shard}) is left out when a merged run of the same
     * config holds all its cells, so a results folder with both shards and their merge counts each cell once.
     *
     * @throws IllegalArgumentException when a path does not exist or no run is found
     * @throws org.medfusion.results.ReportDataException for a corrupt manifest or cells
     */
    public static List<HistoryRun> load(List<Path> paths) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path p : paths) {
            if (!Files.isDirectory(p)) {
                throw new IllegalArgumentException("history: " + p + " is not a directory (give run directories or a results folder)");
            }
            dirs.addAll(find(p));
        }
        if (dirs.isEmpty()) {
            throw new IllegalArgumentException("history: no run directory (one holding " + RunManifest.FILE + ") under " + paths);
        }
        List<HistoryRun> runs = new ArrayList<>();
        for (Path d : dirs) {
            runs.add(new HistoryRun(d, RunManifest.read(d), StoredCells.load(d).cells()));
        }
        List<HistoryRun> merged = runs.stream().filter(r -> r.manifest().shard() == null).toList();
        runs.removeIf(r -> r.manifest().shard() != null && merged.stream().anyMatch(m ->
                m.manifest().configHash().equals(r.manifest().configHash())
                        && m.manifest().cells().containsAll(r.manifest().cells())));
        runs.sort(Comparator.comparing((HistoryRun r) -> r.manifest().startedAt() == null ? "" : r.manifest().startedAt())
                .thenComparing(HistoryRun::id));
        return runs;
    }

    private static List<Path> find(Path root) {
        if (RunManifest.exists(root)) {
            return List.of(root.toAbsolutePath().normalize());
        }
        try (Stream<Path> s = Files.walk(root, MAX_DEPTH)) {
            return s.filter(Files::isDirectory).filter(RunManifest::exists).map(p -> p.toAbsolutePath().normalize())
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
