package org.medfusion.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import org.medfusion.results.Stats;

class CellMeasurerTest {

    /** The cheapest real cell: one step per fork, one fork of each kind. */
    static final MeasureSettings TINY = new MeasureSettings(new RunSettings(0, 1, 1), new RunSettings(1, 1, 1));
    static final CellKey CELL = new CellKey("resnet18", 2, 32, 0, Precision.FP32, Device.CPU);

    @Test
    void failuresAreClassifiedFromForkOutput(@TempDir Path dir) throws Exception {
        assertEquals(CellStatus.OOM, ForkFailure.classify("java.lang.OutOfMemoryError: Java heap space", "time").status);
        assertEquals(CellStatus.OOM, ForkFailure.classify("ai.djl.engine.EngineException: [enforce fail at alloc_cpu.cpp:116]"
                + " DefaultCPUAllocator: not enough memory: you tried to allocate 123 bytes.", "memory").status);
        // exit 137 alone is a kill (SIGKILL), not evidence of out-of-memory
        ForkFailure killed = ForkFailure.classify("<forked VM failed with exit code 137>", "memory");
        assertEquals(CellStatus.CRASH, killed.status);
        assertEquals("SIGKILL in the memory run (exit code 137; killed, no out-of-memory evidence)", killed.getMessage());
        ForkFailure f = ForkFailure.classify("junk\njava.lang.IllegalStateException: boom\n\tat x", "time");
        assertEquals(CellStatus.ERROR, f.status);
        assertEquals("java.lang.IllegalStateException: boom", f.getMessage());

        Path hsErr = Files.writeString(dir.resolve("hs_err_4242.log"), String.join("\n",
                "#", "# A fatal error has been detected by the Java Runtime Environment:", "#",
                "#  SIGFPE (0x8) at pc=0x00007f3a, pid=4242, tid=4243", "#",
                "# Problematic frame:",
                "# C  [libtorch_cpu.so+0x3a1b2c]  dnnl::impl::cpu::x64::brgemm_convolution_bwd_utils::brg_blocking_t::est_eff_1x1()+0x5c",
                "#", ""));
        ForkFailure crash = ForkFailure.classify("<forked VM failed with exit code 134>", "memory", hsErr);
        assertEquals(CellStatus.CRASH, crash.status);
        assertEquals("SIGFPE in the memory run at libtorch_cpu.so"
                + " dnnl::impl::cpu::x64::brgemm_convolution_bwd_utils::brg_blocking_t::est_eff_1x1()"
                + " (exit code 134; hs_err: jmh/hs_err_4242.log)", crash.getMessage());
        Path nativeOom = Files.writeString(dir.resolve("hs_err_4243.log"), "# There is insufficient memory for the Java Runtime"
                + " Environment to continue.\n# Native memory allocation (mmap) failed to map 123 bytes\n");
        assertEquals(CellStatus.OOM, ForkFailure.classify("<forked VM failed with exit code 134>", "time", nativeOom).status);
    }

    @Test
    void unsupportedCellsAreRecordedNotMeasured(@TempDir Path dir) {
        CellMeasurer m = new CellMeasurer(MeasureSettings.defaults(), dir, null);
        if (!CudaMemory.hasGpu()) {
            CellResult gpu = m.measure(new CellKey("resnet18", 2, 32, 0, Precision.FP32, Device.GPU));
            assertEquals(CellStatus.UNSUPPORTED, gpu.status());
            assertEquals("no CUDA GPU visible to this build (see README: GPU build)", gpu.message());
        }
        CellResult bad = m.measure(new CellKey("resnet18", 2, 32, 11, Precision.FP32, Device.CPU));
        assertEquals(CellStatus.ERROR, bad.status());
        assertEquals("segments for resnet18 must be 0 (off) or between 1 and 10 (its checkpointable blocks), got 11", bad.message());
    }

    /** A real fork that raises SIGSEGV on itself (the test hook) is a crash with the native frame of its hs_err file. */
    @Test
    void forkDyingFromASignalIsACrashWithItsNativeFrame(@TempDir Path dir) throws Exception {
        Path cwd = Path.of("").toAbsolutePath();
        List<Path> cwdHsErrBefore = hsErr(cwd);
        System.setProperty(ForkCrashHook.PROPERTY, "SIGSEGV");
        CellResult r;
        try {
            r = new CellMeasurer(TINY, dir, null).measure(CELL);
        } finally {
            System.clearProperty(ForkCrashHook.PROPERTY);
        }
        assertEquals(CellStatus.CRASH, r.status(), r.message());
        assertTrue(r.message().startsWith("SIGSEGV in the memory run at "), r.message());
        assertTrue(r.message().matches(".*\\(exit code \\d+; hs_err: jmh/hs_err_pid\\d+\\.log\\)"), r.message());
        assertEquals(1, hsErr(dir.resolve("jmh")).size(), "the hs_err file goes to the run's jmh/ folder");
        assertEquals(cwdHsErrBefore, hsErr(cwd), "no hs_err file in the working directory");

        System.setProperty(ForkCrashHook.PROPERTY, "SIGKILL");
        try {
            r = new CellMeasurer(TINY, dir, null).measure(CELL);
        } finally {
            System.clearProperty(ForkCrashHook.PROPERTY);
        }
        assertEquals(CellStatus.CRASH, r.status(), r.message());
        assertEquals("SIGKILL in the memory run (exit code 137; killed, no out-of-memory evidence)", r.message());
    }

    /**
     * A checkpointed cell's timing fork times a plain step before each measured step: one pair per sample, real
     * times (the plain step of a 2-segment ResNet-18 is a full step, never 0); a plain cell has none.
     */
    @Test
    void checkpointedCellsCarryPairedPlainSteps(@TempDir Path dir) throws Exception {
        MeasureSettings settings = new MeasureSettings(new RunSettings(1, 3, 1), new RunSettings(1, 1, 1)); // time, memory
        CellResult r = new CellMeasurer(settings, dir, null).withChainReference(true).measure(
                new CellKey("resnet18", 2, 32, 2, Precision.FP32, Device.CPU));
        assertEquals(CellStatus.OK, r.status(), r.message());
        assertEquals(3, r.stepMsSamples().size());
        assertEquals(3, r.pairedPlainMsSamples().size(), r.toString());
        r.pairedPlainMsSamples().forEach(ms -> assertTrue(ms > 0 && Double.isFinite(ms), r.toString()));
        assertEquals(3, r.pairedRatios().size());
        // the recompute forks run at least their own counts, whatever the step's are; the figure is the median of
        // the forks' medians, every fork's median is kept, and forks that disagree are timed again in a second run
        Path jmh = dir.resolve("jmh");
        List<Double> forkMedians = recomputeForkMedians(jmh.resolve(r.key().id() + "-recompute.json"));
        Path second = jmh.resolve(r.key().id() + "-recompute-2.json");
        assertEquals(RecomputeForks.disagree(forkMedians), Files.exists(second), forkMedians.toString());
        if (Files.exists(second)) {
            forkMedians.addAll(recomputeForkMedians(second));
        }
        assertEquals(forkMedians, r.recomputeForkMs());
        assertEquals(Stats.summarize(forkMedians).median(), r.recomputeForwardMs(), 1e-9, forkMedians.toString());
        assertTrue(r.recomputeForwardMs() > 0, r.toString());
        // with the chain reference, each recompute fork also timed the whole chain's forward before every measured
        // call: one median per fork, aligned, and longer than that fork's recompute (2 uniform segments recompute
        // the first half of the chain)
        List<Double> chain = chainForkMedians(jmh.resolve(r.key().id() + "-recompute.json"));
        if (Files.exists(second)) {
            chain.addAll(chainForkMedians(second));
        }
        assertEquals(chain, r.chainForwardForkMs());
        for (int i = 0; i < chain.size(); i++) {
            assertTrue(chain.get(i) > r.recomputeForkMs().get(i), "fork " + i + ": chain " + chain + " vs recompute " + r.recomputeForkMs());
        }
        CellResult plain = new CellMeasurer(settings, dir, null).measure(CELL);
        assertTrue(plain.pairedPlainMsSamples().isEmpty(), plain.toString());
    }

    /** Each fork's median call of a recompute run's JMH JSON, after checking the run's protocol (forks, counts). */
    private static List<Double> recomputeForkMedians(Path json) throws java.io.IOException {
        com.fasterxml.jackson.databind.JsonNode recompute = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).get(0);
        assertEquals(MeasureSettings.RECOMPUTE_WARMUP, recompute.get("warmupIterations").asInt());
        com.fasterxml.jackson.databind.JsonNode forks = recompute.get("primaryMetric").get("rawData");
        assertEquals(MeasureSettings.RECOMPUTE_FORKS, forks.size());
        List<Double> forkMedians = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode fork : forks) {
            assertEquals(MeasureSettings.RECOMPUTE_ITERATIONS, fork.size());
            List<Double> calls = new ArrayList<>();
            fork.forEach(ms -> calls.add(ms.asDouble()));
            forkMedians.add(Stats.summarize(calls).median());
        }
        return forkMedians;
    }

    /** Each fork's median whole-chain forward of a recompute run's JMH JSON (one per measured iteration). */
    private static List<Double> chainForkMedians(Path json) throws java.io.IOException {
        com.fasterxml.jackson.databind.JsonNode recompute = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).get(0);
        com.fasterxml.jackson.databind.JsonNode forks = recompute.get("secondaryMetrics")
                .get(PairedReferenceProfiler.Reference.CHAIN_FORWARD.resultName()).get("rawData");
        assertEquals(MeasureSettings.RECOMPUTE_FORKS, forks.size());
        List<Double> out = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode fork : forks) {
            assertEquals(MeasureSettings.RECOMPUTE_ITERATIONS, fork.size(), "one chain forward per measured call");
            List<Double> calls = new ArrayList<>();
            fork.forEach(ms -> calls.add(ms.asDouble()));
            out.add(Stats.summarize(calls).median());
        }
        return out;
    }

    /**
     * Two plans with the same segment count share a cell id; with an explicit plan the JMH files are named after the plan
     * too, so a sweep's second 3-segment plan does not overwrite the first's files.
     */
    @Test
    void explicitPlansKeepTheirJmhFilesApart(@TempDir Path dir) {
        CellKey key = new CellKey("resnet18", 2, 32, 3, org.medfusion.checkpoint.Split.OPTIMAL, Precision.FP32, Device.CPU);
        String a = new CellMeasurer(TINY, dir, null).withExplicitPlan(org.medfusion.checkpoint.SegmentPlan.parse("0-1r,1-3r,3-6s")).fileStem(key);
        String b = new CellMeasurer(TINY, dir, null).withExplicitPlan(org.medfusion.checkpoint.SegmentPlan.parse("0-2r,2-4r,4-6s")).fileStem(key);
        assertEquals(key.id() + "_plan-0-1r_1-3r_3-6s", a);
        assertFalse(a.equals(b), a);
        assertEquals(key.id(), new CellMeasurer(TINY, dir, null).fileStem(key), "a cell's own plan keeps the cell's id");
    }

    /** Another process's JMH lock: the measurement waits (and says so), then measures; never an error cell. */
    @Test
    void waitsForJmhsMachineWideLock(@TempDir Path dir) throws Exception {
        StringWriter notices = new StringWriter();
        CellResult r;
        try (FileChannel ch = FileChannel.open(CellMeasurer.jmhLockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock held = ch.lock();
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(1500);
                    held.release();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            release.start();
            r = new CellMeasurer(TINY, dir, null, Duration.ofSeconds(120), new PrintWriter(notices, true)).measure(CELL);
            release.join();
        }
        assertEquals(CellStatus.OK, r.status(), r.message());
        assertTrue(notices.toString().startsWith("waiting for JMH's machine-wide lock " + CellMeasurer.jmhLockFile()), notices.toString());
        assertEquals(1, notices.toString().lines().count(), "announced once");
    }

    @Test
    void givesUpOnJmhsLockAfterTheTimeoutWithoutAResult(@TempDir Path dir) throws Exception {
        try (FileChannel ch = FileChannel.open(CellMeasurer.jmhLockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = ch.lock()) {
            JmhLockTimeoutException e = assertThrows(JmhLockTimeoutException.class,
                    () -> new CellMeasurer(TINY, dir, null, Duration.ofSeconds(1), null).measure(CELL));
            assertTrue(e.getMessage().contains("still held by another process after 1 s (--lock-timeout)"), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("cells")));
    }

    private static List<Path> hsErr(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("hs_err")).sorted().toList();
        }
    }
}
