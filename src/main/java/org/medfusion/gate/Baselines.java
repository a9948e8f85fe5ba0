package org.medfusion.gate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.medfusion.results.ReportDataException;
import org.medfusion.results.RunManifest;
import org.medfusion.results.StoredCells;

/**
 * Baselines as a workflow: {@code <root>/<environment key>/<name>/} holds a copy of a run directory
 * ({@link EnvironmentKey}). {@link #save} copies atomically (into a temp directory beside the target, then one
 * rename), so a killed save never leaves a half baseline that a gate would read. {@link #newest} picks, for a
 * candidate, the newest baseline of the same environment key and config name (by the baseline's manifest
 * {@code startedAt}).
 */
public final class Baselines {

    /** Where baselines live by default, relative to the working directory. */
    public static final Path DEFAULT_ROOT = Path.of("results", "baselines");

    private Baselines() {
    }

    /**
     * @param name the baseline's name; null for {@code <configName>-<startedAt as yyyymmdd-hhmmss>}
     * @return the new baseline directory
     */
    public static Path save(Path run, String name, Path root) {
        RunManifest m = RunManifest.read(run);
        if (StoredCells.load(run).cells().isEmpty()) { // also validates every stored figure
            throw new ReportDataException("no results in " + run + ": nothing to keep as a baseline");
        }
        if (m.incomplete()) {
            throw new ReportDataException(run + " is an incomplete merge (missing shards " + m.missingShards()
                    + "): not a baseline");
        }
        String n = name != null ? name : defaultName(m);
        if (!n.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("--name must be letters, digits, '.', '_' or '-' (not starting with"
                    + " '.' or '-'), got " + n);
        }
        Path dir = root.resolve(EnvironmentKey.of(m.environment()));
        Path target = dir.resolve(n);
        if (Files.exists(target)) {
            throw new ReportDataException("baseline " + target + " already exists; choose another --name");
        }
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempDirectory(dir, ".tmp-" + n + "-");
            try {
                copyTree(run, tmp);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                org.medfusion.platform.AtomicFiles.deleteTreeQuietly(tmp);
                throw new ReportDataException("cannot store baseline " + target + ": " + e.getMessage());
            } catch (IOException | RuntimeException e) {
                org.medfusion.platform.AtomicFiles.deleteTreeQuietly(tmp);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store baseline " + target + ": " + e.getMessage(), e);
        }
        return target;
    }

    static String defaultName(RunManifest m) {
        String when = m.startedAt() == null ? "unknown" : m.startedAt().replaceAll("[^0-9T]", "")
                .replace('T', '-');
        if (when.length() > 15) {
            when = when.substring(0, 15);
        }
        return EnvironmentKey.slug(m.configName()) + "-" + when;
    }

    /**
     * The newest baseline under {@code root/<key of the candidate>/} whose manifest has the candidate's config name.
     */
    public static Optional<Path> newest(Path root, RunManifest candidate) {
        Path dir = root.resolve(EnvironmentKey.of(candidate.environment()));
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p) && !p.getFileName().toString().startsWith(".") && RunManifest.exists(p)
                        && Objects.equals(RunManifest.read(p).configName(), candidate.configName())) {
                    found.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return found.stream().max(Comparator.comparing((Path p) -> Objects.toString(RunManifest.read(p).startedAt(), ""))
                .thenComparing(Path::toString));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else if (Files.isRegularFile(p)) {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
