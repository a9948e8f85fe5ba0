package org.medfusion.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.medfusion.results.RunManifest;

/**
 * A run directory is self-contained: every committed run re-renders byte-identical (tables, charts, report) from its
 * own files alone, whatever this machine has cached (predicted peaks are stored in the run, {@code predictions.json}).
 */
class CommittedRunsRenderTest {

    @TempDir
    Path tmp;

    static List<Path> committedRuns() throws Exception {
        try (Stream<Path> s = Files.walk(Path.of("results"))) {
            return s.filter(p -> p.getFileName().toString().equals(RunManifest.FILE)).map(Path::getParent).sorted().toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("committedRuns")
    void reRendersByteIdentical(Path run) throws Exception {
        Path copy = tmp.resolve("run");
        try (Stream<Path> s = Files.walk(run)) {
            for (Path p : s.toList()) {
                Path target = copy.resolve(run.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Reporter.render(copy);
        try (Stream<Path> s = Files.walk(run)) {
            List<Path> files = s.filter(Files::isRegularFile).toList();
            assertFalse(files.isEmpty());
            for (Path p : files) {
                assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(copy.resolve(run.relativize(p).toString())),
                        run.relativize(p) + " of " + run + " renders differently");
            }
        }
    }
}
