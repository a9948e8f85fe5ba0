package org.medfusion.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.CellStore;
import org.medfusion.results.Environment;
import org.medfusion.results.Fixtures;
import org.medfusion.platform.Json;
import org.medfusion.results.RunManifest;

/**
 * The native fallback in the manifest and the report: stored and read back, old manifests without the field read as
 * {@code none}, and a run measured under a fallback says so beside its step times (Markdown and HTML).
 */
class NativeFallbackReportTest {

    static final String FALLBACK = "oneDNN convolution disabled: preflight probe died with SIGFPE in forward/backward "
            + "of a 1x1 conv 64->256 stride 1 (bottleneck expand); passes with oneDNN off";

    static RunManifest withFallback(String fallback) {
        RunManifest m = Fixtures.manifest(Fixtures.run(), null);
        Environment e = m.environment();
        Environment f = new Environment(e.cpuModel(), e.cores(), e.memoryBytes(), e.gpuName(), e.gpuDriver(),
                e.cudaVersion(), e.jvm(), e.os(), e.djlVersion(), e.libtorchVersion(), fallback);
        return m.withEnvironment(f);
    }

    @Test
    void manifestKeepsTheFallbackAndOldManifestsReadAsNone(@TempDir Path dir) throws Exception {
        withFallback(FALLBACK).write(dir);
        assertEquals(FALLBACK, RunManifest.read(dir).environment().nativeFallback());

        Fixtures.manifest(Fixtures.run(), null).write(dir);
        String json = Files.readString(RunManifest.file(dir));
        assertTrue(json.contains("\"native_fallback\""), json);
        Files.writeString(RunManifest.file(dir), json.replaceAll(",\\s*\"native_fallback\"\\s*:\\s*\"none\"", ""));
        assertFalse(Files.readString(RunManifest.file(dir)).contains("native_fallback"));
        Environment old = RunManifest.read(dir).environment();
        assertEquals("none", old.nativeFallback());
        assertFalse(old.fallbackApplied());
        assertEquals(Fixtures.env(), Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(Fixtures.env()), Environment.class));
    }

    @Test
    void reportStatesTheFallbackBesideTheStepTimes(@TempDir Path run) throws Exception {
        Fixtures.run().forEach(c -> CellStore.save(run, c));
        withFallback(FALLBACK).write(run);
        Reporter.Rendered r = Reporter.render(run);
        String md = Files.readString(r.reportMd());
        String time = md.substring(md.indexOf("## Time"), md.indexOf("## Charts"));
        assertTrue(time.contains("Step times measured under a native fallback (" + FALLBACK + ")"), time);
        assertTrue(md.contains("| native fallback | " + FALLBACK + " |"), md);
        String html = Files.readString(r.reportHtml());
        assertTrue(html.contains("<p id=\"native-fallback\""), "html note");

        Fixtures.manifest(Fixtures.run(), null).write(run);
        String plain = Files.readString(Reporter.render(run).reportMd());
        assertFalse(plain.contains("native fallback ("), "no note without a fallback");
        assertTrue(plain.contains("| native fallback | none |"), plain);
    }
}
