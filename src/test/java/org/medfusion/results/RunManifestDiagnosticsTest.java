package org.medfusion.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest records a run's diagnostic knobs; manifests written before the field read as a real run. */
class RunManifestDiagnosticsTest {

    @Test
    void knobsSurviveWriteAndFinish(@TempDir Path dir) {
        RunManifest m = Fixtures.manifest(Fixtures.run(), null).withDiagnostics(List.of("recompute-twice=0"));
        m.finished().write(dir);
        RunManifest back = RunManifest.read(dir);
        assertEquals(List.of("recompute-twice=0"), back.diagnostics());
        assertTrue(back.diagnosticsActive());
    }

    @Test
    void oldManifestsReadAsNoKnobs(@TempDir Path dir) throws Exception {
        Fixtures.manifest(Fixtures.run(), null).write(dir);
        Path f = RunManifest.file(dir);
        String json = Files.readString(f);
        assertTrue(json.contains("\"diagnostics\""));
        Files.writeString(f, json.replaceAll(",\\s*\"diagnostics\"\\s*:\\s*\\[\\s*\\]", ""));
        assertFalse(Files.readString(f).contains("diagnostics"));
        RunManifest old = RunManifest.read(dir);
        assertEquals(List.of(), old.diagnostics());
        assertFalse(old.diagnosticsActive());
    }
}
