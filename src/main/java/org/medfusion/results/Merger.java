package org.medfusion.results;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Combines the run directories of shards ({@code run --shard k/n}) into one run directory that {@code report}
 * renders like any run.
 *
 * <p>Refuses (with a {@link ReportDataException} naming the field and the two directories) shards whose
 * manifests differ in config hash or in the environment fields of {@link Environment#mergeKey()} (CPU model,
 * GPU name, JVM, DJL and libtorch versions), and refuses a cell present in two shards. The merged manifest has
 * the union of the shards' cell lists, no shard, the earliest start and the latest finish (null if a shard did
 * not finish), the shards' git commit when they agree (else the distinct commits joined by {@code ,}), and the
 * merge command as its command line (the shards' commands are kept in their own manifests). When the shards'
 * manifests say {@code k/n} and some k is not among them, the merged manifest lists those shards in
 * {@link RunManifest#missingShards()} (an incomplete run, which the report states). Every stored figure passes
 * {@link StoredDataCheck}.
 */
public final class Merger {

    private Merger() {
    }

    /**
     * The shards {@code k/n} of the matrix that none of the merged directories holds complete, from the shards'
     * manifests ({@code shard: k/n}); empty when no directory is a shard. A shard directory counts as present only
     * when it stores a result for every cell its manifest lists (a task cancelled or killed mid-run leaves a manifest
     * and some cells: its stored cells are merged, the shard is still missing); a shard with no cells (more shards than
     * cell groups) is present. Shards of different n cannot be merged.
     */
    static List<String> missingShards(List<Path> shardDirs, List<RunManifest> manifests) {
        Integer n = null;
        Set<Integer> present = new TreeSet<>();
        for (int i = 0; i < manifests.size(); i++) {
            String spec = manifests.get(i).shard();
            if (spec == null) {
                continue;
            }
            Shards.Shard s;
            try {
                s = Shards.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new ReportDataException("corrupt manifest " + RunManifest.file(shardDirs.get(i)) + ": shard "
                        + spec);
            }
            if (n != null && n != s.n()) {
                throw new ReportDataException("cannot merge: " + shardDirs.get(i) + " is shard " + spec
                        + " of a split into " + s.n() + ", the others of a split into " + n);
            }
            n = s.n();
            Path dir = shardDirs.get(i);
            if (manifests.get(i).cells().stream().allMatch(k -> CellStore.isDone(dir, k))) {
                present.add(s.k());
            }
        }
        List<String> missing = new ArrayList<>();
        for (int k = 1; n != null && k <= n; k++) {
            if (!present.contains(k)) {
                missing.add(k + "/" + n);
            }
        }
        return missing;
    }

    public static RunManifest merge(List<Path> shardDirs, Path out) {
        return merge(shardDirs, out, "merge --out " + out + " " + String.join(" ",
                shardDirs.stream().map(Path::toString).toList()));
    }

    /**
     * @return the merged manifest (already written to {@code out})
     */
    public static RunManifest merge(List<Path> shardDirs, Path out, String commandLine) {
        if (shardDirs.isEmpty()) {
            throw new IllegalArgumentException("merge needs at least one shard directory");
        }
        if (Files.isDirectory(CellStore.cellsDir(out)) && !CellStore.load(out).isEmpty()) {
            throw new ReportDataException("output directory " + out + " already holds cells; merge into a new directory");
        }
        List<RunManifest> manifests = new ArrayList<>();
        for (Path d : shardDirs) {
            manifests.add(RunManifest.read(d));
        }
        RunManifest first = manifests.get(0);
        for (int i = 1; i < manifests.size(); i++) {
            RunManifest m = manifests.get(i);
            if (!Objects.equals(first.configHash(), m.configHash())) {
                throw new ReportDataException("cannot merge: configHash differs between " + shardDirs.get(0) + " ("
                        + first.configHash() + ") and " + shardDirs.get(i) + " (" + m.configHash() + ")");
            }
            Map<String, String> a = first.environment().mergeKey();
            Map<String, String> b = m.environment().mergeKey();
            for (String field : a.keySet()) {
                if (!Objects.equals(a.get(field), b.get(field))) {
                    throw new ReportDataException("cannot merge: environment." + field + " differs between "
                            + shardDirs.get(0) + " (" + a.get(field) + ") and " + shardDirs.get(i) + " ("
                            + b.get(field) + ")");
                }
            }
        }
        Map<CellKey, Path> seen = new LinkedHashMap<>();
        List<CellResult> results = new ArrayList<>();
        for (Path d : shardDirs) {
            List<CellResult> shardCells = CellStore.load(d);
            for (CellResult r : shardCells) {
                StoredDataCheck.check(CellStore.cellFile(d, r.key()), r);
            }
            for (CellResult r : shardCells) {
                Path prev = seen.putIfAbsent(r.key(), d);
                if (prev != null) {
                    throw new ReportDataException("cannot merge: cell " + r.key().id() + " is in both " + prev + " and "
                            + d);
                }
                results.add(r);
            }
        }
        Set<CellKey> cells = new TreeSet<>(CellKey.ORDER);
        manifests.forEach(m -> cells.addAll(m.cells()));
        cells.addAll(seen.keySet());
        Set<String> commits = new LinkedHashSet<>();
        manifests.forEach(m -> commits.add(m.gitCommit()));
        String started = manifests.stream().map(RunManifest::startedAt).filter(Objects::nonNull).min(String::compareTo)
                .orElse(null);
        String finished = manifests.stream().anyMatch(m -> m.finishedAt() == null) ? null
                : manifests.stream().map(RunManifest::finishedAt).max(String::compareTo).orElse(null);
        String runId = out.toAbsolutePath().normalize().getFileName().toString();
        RunManifest merged = RunManifest.builder().runId(runId).configName(first.configName()).configHash(first.configHash())
                .cells(new ArrayList<>(cells)).environment(first.environment()).gitCommit(String.join(",", commits))
                .commandLine(commandLine).startedAt(started).finishedAt(finished).missingShards(missingShards(shardDirs, manifests))
                .diagnostics(first.diagnostics()).build();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new ReportDataException("cannot create " + out + ": " + e.getMessage(), e);
        }
        for (CellResult r : results) {
            CellStore.save(out, r);
        }
        shardDirs.forEach(d -> ReferenceStore.copy(d, out)); // PyTorch's figures beside the cells, when the shards have them
        merged.write(out);
        return merged;
    }
}
