package org.medfusion.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The libtorch preflight without a GPU: a fixture "torch" of another version (version.py saying
 * 1.13.1, CUDA 11.7, and library files that are not ELF objects) must give its one-line reason from a
 * real child-JVM load attempt; the CPU libtorch DJL extracted for the test classpath must load.
 */
class LibtorchPreflightTest {

    static Map<String, String> envWithout(String... keys) {
        Map<String, String> env = new HashMap<>(System.getenv());
        for (String k : keys) {
            env.remove(k);
        }
        return env;
    }

    static Path fakeTorch(Path root, String version, String cuda) throws Exception {
        Path torch = Files.createDirectories(root.resolve("site-packages/torch"));
        Path lib = Files.createDirectories(torch.resolve("lib"));
        Files.writeString(torch.resolve("version.py"), "from typing import Optional\n__version__ = '" + version + "'\n"
                + "debug = False\ncuda: Optional[str] = " + (cuda == null ? "None" : "'" + cuda + "'") + "\ngit_version = 'abc'\n");
        Files.writeString(lib.resolve("libtorch.so"), "not an ELF object\n");
        Files.writeString(lib.resolve("libc10.so"), "not an ELF object\n");
        if (cuda != null) {
            Files.writeString(lib.resolve("libtorch_cuda.so"), "not an ELF object\n");
        }
        return lib;
    }

    @Test
    void libtorchOfAnotherVersionGivesOneLineReason(@TempDir Path tmp) throws Exception {
        Path lib = fakeTorch(tmp, "1.13.1+cu117", "11.7");
        LibtorchPreflight.Report r = LibtorchPreflight.check(null,
                withLibraryPath(envWithout("PYTORCH_FLAVOR", "PYTORCH_VERSION"), lib), 120);
        assertEquals(lib.toString(), r.libtorchDir());
        assertEquals("PYTORCH_LIBRARY_PATH", r.source());
        assertEquals("1.13.1+cu117", r.version());
        assertTrue(r.versionSource().endsWith("version.py"), r.versionSource());
        assertEquals("11.7", r.cuda());
        assertTrue(r.cudaLibraries());
        assertEquals("cu128", r.flavor());
        assertFalse(r.loads());
        String reason = r.reason();
        assertFalse(reason.contains("\n"), reason);
        // the child really tried to load the fixture's libraries, and the line says what is wrong and what to do
        assertTrue(reason.startsWith("libtorch 1.13.1+cu117 is not the 2.7.1 DJL's JNI is built for: "), reason);
        assertTrue(reason.contains(lib.toString()) && reason.matches(".*(file too short|invalid ELF header|not an ELF).*"), reason);
        assertTrue(reason.contains("fix: use a libtorch 2.7.1 (CUDA 12.8 build) (pip install torch==2.7.1"), reason);
        assertTrue(reason.contains("scripts/build-djl-jni.sh <djl-checkout> " + lib), reason);
        assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("reason ")), r.lines().toString());
    }

    @Test
    void cpuLibtorchOfTheRightVersionLoads() throws Exception {
        ai.djl.engine.Engine.getEngine("PyTorch"); // extracts the CPU libtorch of the test classpath
        Path dir = Path.of(ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
        LibtorchPreflight.Report r = LibtorchPreflight.check(dir, envWithout("PYTORCH_LIBRARY_PATH", "PYTORCH_FLAVOR",
                "PYTORCH_VERSION"), 180);
        assertTrue(r.loads(), () -> r.lines() + "\n" + r.detail());
        assertEquals("--libtorch", r.source());
        assertEquals("2.7.1", r.engineVersion());
        assertEquals("cpu", r.flavor());
        assertEquals("none", r.cuda());
        assertEquals(0, r.gpuCount());
        assertNull(r.reason());
    }

    @Test
    void missingLibtorchIsSaidWithoutStartingAJvm(@TempDir Path tmp) throws Exception {
        LibtorchPreflight.Report r = LibtorchPreflight.check(tmp, Map.of(), 5);
        assertFalse(r.loads());
        assertTrue(r.reason().startsWith("no libtorch.so in " + tmp), r.reason());
    }

    @Test
    void undefinedSymbolOfANewerLibtorchIsTheReason() {
        String out = "ai.djl.engine.EngineException: Failed to load PyTorch native library\n"
                + "Caused by: java.lang.UnsatisfiedLinkError: /c/pytorch/2.7.1-cu128-linux-x86_64/0.36.0-libdjl_torch.so: "
                + "/c/pytorch/2.7.1-cu128-linux-x86_64/0.36.0-libdjl_torch.so: undefined symbol: _ZN3c1013MessageLoggerC1EPKcii\n"
                + "\tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)\n";
        String reason = LibtorchPreflight.reason(Path.of("/venv/torch/lib"), "2.11.0+cu130", true, "cu128", out);
        assertTrue(reason.startsWith("libtorch 2.11.0+cu130 is not the 2.7.1 DJL's JNI is built for: undefined symbol "
                + "_ZN3c1013MessageLoggerC1EPKcii; fix: "), reason);
        assertFalse(reason.contains("\n"));
    }

    @Test
    void versionFromLibtorchZipBuildVersionAndDjlCacheName(@TempDir Path tmp) throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("libtorch/lib"));
        Files.writeString(tmp.resolve("libtorch/build-version"), "2.7.1+cu128\n");
        assertEquals("2.7.1+cu128", LibtorchPreflight.readVersion(lib)[0]);
        Path cache = Files.createDirectories(tmp.resolve("pytorch/2.7.1-20250812-cpu-linux-x86_64"));
        assertEquals("2.7.1", LibtorchPreflight.readVersion(cache)[0]);
    }

    private static Map<String, String> withLibraryPath(Map<String, String> env, Path lib) {
        env.put("PYTORCH_LIBRARY_PATH", lib.toString());
        return env;
    }
}
