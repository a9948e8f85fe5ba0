package org.medfusion.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-contained bundle ({@code scripts/bundle.sh}) run from its own runtime, as on a machine with no
 * Java: JAVA_HOME points nowhere and the PATH starts with a {@code java} that fails the test if anything
 * calls it. libtorch comes through PYTORCH_LIBRARY_PATH (the route a GPU node takes), here the CPU libtorch
 * DJL extracted for the test classpath.
 *
 * <p>Which bundle: {@code -Dbundle.dir=DIR}, else {@code target/bundle/medfusion-bench} when present
 * ({@code .ci/run} builds it before {@code mvn verify}); with {@code -Dbundle=true} and neither, the test builds
 * one from a copy of the project (a nested {@code mvn -Dgpu package}: minutes). Otherwise it is skipped.
 */
class BundleTest {

    static final long LIMIT = 60L * 1024 * 1024;
    static Path bundle;
    static Path libtorch;

    @BeforeAll
    static void findOrBuild(@TempDir Path tmp) throws Exception {
        String dir = System.getProperty("bundle.dir");
        Path candidate = dir != null ? Paths.get(dir) : Paths.get("target/bundle/medfusion-bench");
        if (!Files.isExecutable(candidate.resolve("bin/medfusion-bench")) && Boolean.getBoolean("bundle")) {
            candidate = build(tmp);
        }
        Assumptions.assumeTrue(Files.isExecutable(candidate.resolve("bin/medfusion-bench")),
                "no bundle at " + candidate.toAbsolutePath() + ": run scripts/bundle.sh first (.ci/run does) or -Dbundle=true");
        bundle = candidate.toAbsolutePath();
        ai.djl.engine.Engine.getEngine("PyTorch");
        libtorch = Paths.get(ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
    }

    /** scripts/bundle.sh in a copy of the project, so the nested Maven build leaves this one's target/ alone. */
    static Path build(Path tmp) throws Exception {
        Path copy = tmp.resolve("project");
        for (String p : List.of("pom.xml", "src", "bench-configs", "report-templates", "scripts")) {
            copyTree(Paths.get(p), copy.resolve(p));
        }
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/bundle.sh"));
        if (Boolean.getBoolean("bundle.offline")) {
            cmd.add("--offline");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(copy.toFile()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("bundle.log").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.MINUTES), "bundle.sh timed out");
        assertEquals(0, p.exitValue(), () -> read(tmp.resolve("bundle.log")));
        return copy.resolve("target/bundle/medfusion-bench");
    }

    record Result(int rc, String out) {
    }

    /** Runs bin/medfusion-bench with no Java but the bundle's reachable. */
    static Result bench(Path work, long timeoutMin, String... args) throws Exception {
        Path fakeBin = Files.createDirectories(work.resolve("fake-bin"));
        Path marker = work.resolve("java-from-path-was-called");
        Path fake = fakeBin.resolve("java");
        Files.writeString(fake, "#!/bin/sh\necho \"java from PATH called: $*\" >&2\ntouch " + marker + "\nexit 99\n");
        fake.toFile().setExecutable(true);
        Path tmpdir = Files.createDirectories(work.resolve("tmp"));
        List<String> cmd = new ArrayList<>(List.of(bundle.resolve("bin/medfusion-bench").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("HOME", System.getProperty("user.home"));
        env.put("PATH", fakeBin + ":/usr/local/bin:/usr/bin:/bin");
        env.put("JAVA_HOME", "/nonexistent-java-home");
        env.put("PYTORCH_LIBRARY_PATH", libtorch.toString());
        env.put("MEDFUSION_PYTHON", "/nonexistent-python");
        env.put("MEDFUSION_JAVA_OPTS", "-Djava.io.tmpdir=" + tmpdir);
        Path log = work.resolve("out-" + args[0] + ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutMin, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(args[0] + " timed out:\n" + read(log));
        }
        String out = read(log);
        assertFalse(Files.exists(marker), "a java from the PATH was called:\n" + out);
        return new Result(p.exitValue(), out);
    }

    @Test
    void gpuBundleIsAtMost60MiBAndHoldsNoCpuLibtorch() throws Exception {
        long bytes;
        try (Stream<Path> s = Files.walk(bundle)) {
            bytes = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("pytorch-native-cpu"))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes <= LIMIT, "bundle " + bytes + " bytes > 60 MiB");
        assertTrue(Files.isRegularFile(bundle.resolve("runtime/bin/java")));
        assertTrue(Files.isRegularFile(bundle.resolve("bench-configs/seed-table.yaml")));
        try (var jar = new java.util.jar.JarFile(bundle.resolve("lib/benchmarks.jar").toFile())) {
            assertTrue(jar.stream().noneMatch(e -> e.getName().startsWith("native/lib/")), "CPU libtorch inside the GPU jar");
            assertTrue(jar.getEntry("jnilib/linux-x86_64/cu128/libdjl_torch.so") != null);
        }
    }

    @Test
    void runsPreflightListVerifyAndACpuCellFromItsOwnRuntime(@TempDir Path work) throws Exception {
        if (classExists("org.medfusion.cli.DoctorCommand")) {
            Result doctor = bench(work, 5, "doctor");
            assertTrue(doctor.rc() == 0 || doctor.rc() == 3, doctor.out());
            assertTrue(doctor.out().contains("libtorch"), doctor.out());
        }
        Result check = bench(work, 5, "libtorch-check");
        assertEquals(0, check.rc(), check.out());
        assertTrue(check.out().contains("loads             yes: engine 2.7.1"), check.out());

        Result list = bench(work, 5, "list-models", "--format", "csv", "--pattern", "resnet18");
        assertEquals(0, list.rc(), list.out());
        assertTrue(list.out().contains("resnet18,ResNet,11689512,"), list.out());

        Result verify = bench(work, 10, "verify", "--model", "resnet18", "--batch", "2", "--res", "32", "--segments", "2",
                "--format", "json");
        assertEquals(0, verify.rc(), verify.out());
        assertTrue(verify.out().contains("\"agrees\":true"), verify.out());

        Result measure = bench(work, 20, "measure", "--model", "resnet18", "--batch", "2", "--res", "32", "--segments", "2",
                "--warmup", "1", "--iterations", "2", "--memory-forks", "1", "--format", "json", "--out",
                work.resolve("measure").toString());
        assertEquals(0, measure.rc(), measure.out());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                measure.out().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
        assertEquals("ok", json.get("status").asText(), measure.out());
        assertEquals("cpu.rss.peak", json.get("memory_method").asText());
        assertTrue(json.get("peak_bytes").asLong() > 0, measure.out());
        assertTrue(json.get("step_ms_median").asDouble() > 0, measure.out());
    }

    private static boolean classExists(String name) {
        try {
            Class.forName(name, false, BundleTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.createDirectories(t.getParent());
                    Files.copy(p, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
