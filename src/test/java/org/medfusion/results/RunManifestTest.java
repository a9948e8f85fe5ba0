package org.medfusion.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunManifestTest {

    @TempDir
    Path run;

    @Test
    void writesAndReadsBack() {
        RunManifest m = Fixtures.manifest(Fixtures.run(), "1/2");
        m.write(run);
        assertEquals(m, RunManifest.read(run));
    }

    @Test
    void detectsThisMachine() {
        Environment e = Environment.detect("0.36.0", "2.7.1");
        assertFalse(e.cpuModel().isBlank());
        assertTrue(e.cores() >= 1);
        assertNotNull(e.gpuName());
        if (!Files.exists(Path.of("/usr/bin/nvidia-smi"))) {
            assertEquals("none", e.gpuName());
            assertEquals("none", e.cudaVersion());
        }
        assertTrue(e.jvm().contains(System.getProperty("java.runtime.version")));
        RunManifest m = RunManifest.start("r1", "smoke", "a: 1\n", List.of(Fixtures.key("b", 4), Fixtures.key("a", 0)),
                "java -jar benchmarks.jar run --config smoke.yaml", null, e);
        assertEquals(List.of(Fixtures.key("a", 0), Fixtures.key("b", 4)), m.cells());
        assertTrue(m.configHash().matches("sha256:[0-9a-f]{64}"));
        assertTrue(m.gitCommit().equals("unknown") || m.gitCommit().matches("[0-9a-f]{40}"));
        assertNotNull(m.finished().finishedAt());
    }

    @Test
    void recordsLibtorchsThreadCountAndTreatsOtherCountsAsAnotherEnvironment() {
        ai.djl.engine.Engine.getInstance(); // the engine loaded, as in a run
        Environment e = Environment.detect(ai.djl.engine.Engine.getDjlVersion(), ai.djl.engine.Engine.getInstance().getVersion());
        assertEquals(ai.djl.pytorch.jni.JniUtils.getNumThreads(), e.intraOpThreads());
        assertTrue(e.intraOpThreads() >= 1);
        assertEquals(e.intraOpThreads().toString(), e.mergeKey().get("intraOpThreads"));
        Environment one = new Environment(e.cpuModel(), e.cores(), e.memoryBytes(), e.gpuName(), e.gpuDriver(), e.cudaVersion(), e.jvm(),
                e.os(), e.djlVersion(), e.libtorchVersion(), e.nativeFallback(), e.intraOpThreads() + 1);
        assertFalse(one.mergeKey().equals(e.mergeKey()), "step times at another thread count are another environment");
        assertNull(Environment.detect("0.36.0", Environment.UNKNOWN).intraOpThreads(), "no engine: unknown, never guessed");
        assertEquals("unknown", Fixtures.env().mergeKey().get("intraOpThreads"), "a manifest from before the field");
    }

    @Test
    void corruptOrMissingManifest() throws Exception {
        assertEquals("missing manifest " + run.resolve("manifest.json"),
                assertThrows(ReportDataException.class, () -> RunManifest.read(run)).getMessage());
        Files.writeString(run.resolve("manifest.json"), "{ not json");
        String msg = assertThrows(ReportDataException.class, () -> RunManifest.read(run)).getMessage();
        assertTrue(msg.startsWith("corrupt manifest " + run.resolve("manifest.json") + ": "), msg);
        assertFalse(msg.contains("\n"));
    }
}
