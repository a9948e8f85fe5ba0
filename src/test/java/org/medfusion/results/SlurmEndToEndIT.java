package org.medfusion.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.medfusion.bench.MatrixConfig;

/**
 * The Slurm examples on a real scheduler (docs/slurm.md): a single-node cluster from {@code scripts/slurm-local.sh},
 * {@code examples/slurm/bench-array.sbatch} submitted as a 3-task array over {@code src/test/resources/slurm-e2e.yaml}
 * (two cell groups: shards of 2, 2 and 0 cells), then {@code examples/slurm/merge-gate-report.sbatch} with
 * {@code --dependency=afterok}. The first submission must merge complete and pass the gate against the committed
 * ci-tiny baseline (with .ci/run's settings); in the second (ci-tiny as 2 shards, the second one empty) one array task
 * is cancelled: the afterok merge never starts and an afterany merge names the missing shard and fails.
 *
 * <p>Runs in {@code mvn verify} (failsafe, after the jar is packaged) only when {@code MEDFUSION_SLURM_E2E} is set
 * (the {@code slurm-e2e} profile; {@code .ci/run} sets it; without it the class is disabled, also when a {@code -Dtest}
 * pattern names it). Needs root and Debian's slurm-wlm and munge; without them it fails with the reason, never skips:
 * it is only run where it was asked for.
 */
@Tag("slurm")
@EnabledIfEnvironmentVariable(named = "MEDFUSION_SLURM_E2E", matches = ".*")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SlurmEndToEndIT {

    /**
     * A bound on each submission (array plus merge), far above what they take on an idle 2-core machine (the first
     * one measures 4 small cells, the second none), for a machine that other processes load: there a tiny cell's
     * 2-thread steps wait at OpenMP barriers and take minutes.
     */
    static final Duration SUBMISSION_TIMEOUT = Duration.ofMinutes(15);
    static final Path MATRIX = Path.of("src/test/resources/slurm-e2e.yaml");
    static final Path ARRAY = Path.of("examples/slurm/bench-array.sbatch");
    static final Path MERGE = Path.of("examples/slurm/merge-gate-report.sbatch");
    /**
     * .ci/run's gate settings (ratios and memory, 10 % slack) with a 25 % ratio effect, plus the config change: this
     * matrix is not ci-tiny. This test proves the wiring (the merged run is gated, the paired ratio checked, not only
     * reported); .ci/run's self-gate is the 10 % timing gate. This matrix measures one thread and 8 steps under
     * Slurm's daemons and this test's polling against ci-tiny's two-thread baseline (x1.006): idle it measured
     * x1.007-x1.024, but a CI run on a busy host measured x1.140 (+13.4 %, p = 0.0085), which failed at 10 %.
     */
    static final String GATE_OPTS = "--allow-config-change --memory-tolerance 10 --saving-tolerance 10 --ratio-effect 25 --alpha 0.01";

    Path work;
    Map<String, String> slurmEnv;

    @BeforeAll
    void startSlurm() throws Exception {
        assertTrue(Files.isRegularFile(Path.of("target/benchmarks.jar")), "target/benchmarks.jar: run in mvn verify (after package)");
        work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "slurm-e2e-");
        Files.createDirectories(work.resolve("logs"));
        Files.createDirectories(work.resolve("tmp"));
        Proc start = run(Map.of("SLURM_LOCAL_DIR", work.resolve("slurm").toString(), "SLURM_LOCAL_PORT", "6917"),
                Duration.ofSeconds(90), "scripts/slurm-local.sh", "start");
        assertEquals(0, start.code(), "scripts/slurm-local.sh start: " + start.err());
        Matcher m = Pattern.compile("(?m)^export SLURM_CONF=(\\S+)$").matcher(start.out());
        assertTrue(m.find(), "start prints export SLURM_CONF=...: " + start.out());
        slurmEnv = Map.of("SLURM_CONF", m.group(1));
        Proc again = run(Map.of("SLURM_LOCAL_DIR", work.resolve("slurm").toString(), "SLURM_LOCAL_PORT", "6917"),
                Duration.ofSeconds(30), "scripts/slurm-local.sh", "start");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("already running"), "start is idempotent: " + again.err());
    }

    @AfterAll
    void stopSlurm() throws Exception {
        if (work != null) {
            Proc stop = run(Map.of("SLURM_LOCAL_DIR", work.resolve("slurm").toString(), "SLURM_LOCAL_PORT", "6917"),
                    Duration.ofSeconds(60), "scripts/slurm-local.sh", "stop");
            assertEquals(0, stop.code(), stop.err());
            Proc status = run(Map.of("SLURM_LOCAL_DIR", work.resolve("slurm").toString()), Duration.ofSeconds(30),
                    "scripts/slurm-local.sh", "status");
            assertEquals(1, status.code(), "every daemon stopped: " + status.out());
        }
    }

    @Test
    @Order(1)
    void completeArrayMergesAndPassesTheGate() throws Exception {
        String array = submitArray();
        String merge = submit(List.of("--dependency=afterok:" + array), MERGE, array);
        Map<String, String> state = waitForEnd(merge);
        Path dir = work.resolve("results/array-" + array);
        assertEquals("COMPLETED", state.get("JobState"), "merge job " + merge + ": " + state + "\n" + logs());
        assertEquals("0:0", state.get("ExitCode"), logs());

        List<CellKey> matrix = MatrixConfig.load(MATRIX).cells();
        Set<CellKey> union = new HashSet<>();
        int withCells = 0;
        for (int task = 0; task < 3; task++) {
            Path shard = dir.resolve("shard-" + task);
            RunManifest m = RunManifest.read(shard);
            assertEquals((task + 1) + "/3", m.shard(), shard.toString());
            assertEquals(Shards.select(matrix, task + 1, 3), m.cells(), "shard " + (task + 1) + "/3 measured its own cells");
            for (CellKey k : m.cells()) {
                assertTrue(union.add(k), "cell " + k.id() + " in two shards");
            }
            withCells += m.cells().isEmpty() ? 0 : 1;
            assertTrue(m.finishedAt() != null, shard + " finished");
        }
        assertEquals(Set.copyOf(matrix), union, "the shards cover the matrix");
        assertEquals(2, withCells, "2 cell groups in 3 shards: one shard is empty, and succeeded");

        RunManifest merged = RunManifest.read(dir.resolve("merged"));
        assertTrue(merged.missingShards().isEmpty(), "complete: " + merged.missingShards());
        assertEquals(Set.copyOf(matrix), Set.copyOf(merged.cells()));
        List<CellResult> cells = StoredCells.load(dir.resolve("merged")).cells();
        assertEquals(matrix.size(), cells.size());
        for (CellResult c : cells) {
            assertEquals(CellStatus.OK, c.status(), c.key().id() + ": " + c.message());
        }
        assertTrue(Files.isRegularFile(dir.resolve("merged/report.html")), "the merge job rendered the report");
        String junit = Files.readString(dir.resolve("gate-junit.xml"));
        assertTrue(junit.contains("failures=\"0\""), "the gate passed against the ci-tiny baseline: " + junit);
        for (String id : List.of("resnet18_b2_r32_s0_fp32_cpu", "resnet18_b2_r32_s2_fp32_cpu")) {
            assertTrue(junit.contains(id), "ci-tiny's cell " + id + " was gated: " + junit);
        }
        assertTrue(Pattern.compile("<testcase classname=\"gate.resnet18_b2_r32_s2_fp32_cpu\" name=\"time-ratio\" time=\"0\"/>")
                .matcher(junit).find(), "the paired ratio was gated and passed (not only reported): " + junit);
    }

    /**
     * ci-tiny (one cell group) as a 2-task array: shard 2/2 is empty and takes seconds, so cancelling task 0 (shard 1/2)
     * leaves nothing to measure and the merge finds shard 1/2 missing.
     */
    @Test
    @Order(2)
    void cancelledTaskLeavesTheMergeWaitingOrFailingWithTheMissingShard() throws Exception {
        String array = submit(List.of("--array=0-1", "--cpus-per-task=2", "--mem=3G", "--time=00:10:00", "--hold",
                "--output=" + work.resolve("logs/array-%A_%a.out")), ARRAY, "ci-tiny");
        Proc cancel = run(slurmEnv, Duration.ofSeconds(30), "scancel", array + "_0");
        assertEquals(0, cancel.code(), cancel.err());
        Proc release = run(slurmEnv, Duration.ofSeconds(30), "scontrol", "release", array);
        assertEquals(0, release.code(), release.err());
        String afterok = submit(List.of("--dependency=afterok:" + array), MERGE, array);
        String afterany = submit(List.of("--dependency=afterany:" + array), MERGE, array);
        Map<String, String> any = waitForEnd(afterany);
        assertEquals("FAILED", any.get("JobState"), "afterany merge " + afterany + ": " + any + "\n" + logs());
        assertEquals("1:0", any.get("ExitCode"), "merge exits 1 on an incomplete merge: " + logs());
        String log = Files.readString(work.resolve("logs/merge-" + afterany + ".out"));
        assertTrue(log.contains("error: incomplete merge: shard 1/2 of the matrix"), log);
        RunManifest merged = RunManifest.read(work.resolve("results/array-" + array + "/merged"));
        assertEquals(List.of("1/2"), merged.missingShards());
        assertTrue(merged.cells().isEmpty(), "only the empty shard 2/2 was merged");
        assertTrue(Files.notExists(work.resolve("results/array-" + array + "/shard-0")), "the cancelled task never ran");
        assertEquals("2/2", RunManifest.read(work.resolve("results/array-" + array + "/shard-1")).shard());

        Map<String, String> ok = show(afterok);
        assertEquals("PENDING", ok.get("JobState"), "afterok merge " + afterok + ": " + ok);
        assertEquals("DependencyNeverSatisfied", ok.get("Reason"), ok.toString());
        assertEquals(0, run(slurmEnv, Duration.ofSeconds(30), "scancel", afterok).code());
    }

    /** The example array over the test matrix, 3 tasks of 2 CPUs each (one at a time on a 2-core node). */
    private String submitArray() throws Exception {
        return submit(List.of("--array=0-2", "--cpus-per-task=2", "--mem=3G", "--time=00:20:00",
                "--output=" + work.resolve("logs/array-%A_%a.out")), ARRAY, MATRIX.toString());
    }

    /**
     * sbatch's own options override the script's #SBATCH lines: this node has under 24 GiB, logs go to the test's
     * folder; the array's matrix is {@code config} (MEDFUSION_CONFIG), a merge job's argument the array job id.
     */
    private String submit(List<String> options, Path script, String arg) throws Exception {
        boolean merge = script.equals(MERGE);
        List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable"));
        cmd.add("--export=ALL,MEDFUSION_CONFIG=" + (merge ? MATRIX : arg) + ",MEDFUSION_RESULTS=" + work.resolve("results") + ",TMPDIR="
                + work.resolve("tmp") + ",MEDFUSION_BASELINE=" + ciTinyBaseline() + ",MEDFUSION_GATE_OPTS=" + GATE_OPTS.replace(",", " "));
        cmd.addAll(options);
        if (merge) {
            cmd.add("--output=" + work.resolve("logs/merge-%j.out"));
        }
        cmd.add(script.toString());
        if (merge) {
            cmd.add(arg);
        }
        Proc p = run(slurmEnv, Duration.ofSeconds(30), cmd.toArray(String[]::new));
        assertEquals(0, p.code(), String.join(" ", cmd) + ": " + p.err());
        String id = p.out().strip().split(";")[0];
        assertTrue(id.matches("\\d+"), "sbatch --parsable printed " + p.out());
        return id;
    }

    /** The committed baseline .ci/run falls back to (results/baselines/<environment key>/ci-tiny). */
    private static Path ciTinyBaseline() throws IOException {
        try (DirectoryStream<Path> keys = Files.newDirectoryStream(Path.of("results/baselines"))) {
            for (Path k : keys) {
                if (Files.isDirectory(k.resolve("ci-tiny"))) {
                    return k.resolve("ci-tiny").toAbsolutePath();
                }
            }
        }
        throw new AssertionError("no committed ci-tiny baseline under results/baselines");
    }

    private Map<String, String> waitForEnd(String job) throws Exception {
        long deadline = System.nanoTime() + SUBMISSION_TIMEOUT.toNanos();
        Map<String, String> s = show(job);
        while (Set.of("PENDING", "RUNNING", "CONFIGURING", "COMPLETING").contains(s.get("JobState"))) {
            if ("DependencyNeverSatisfied".equals(s.get("Reason"))) {
                fail("job " + job + " can never start: " + s + "\n" + logs());
            }
            if (System.nanoTime() > deadline) {
                String q = queue();
                run(slurmEnv, Duration.ofSeconds(30), "scancel", "--user=" + System.getProperty("user.name")); // the next test starts clean
                fail("job " + job + " still " + s.get("JobState") + " after " + SUBMISSION_TIMEOUT + "\n" + q + logs());
            }
            Thread.sleep(2000);
            s = show(job);
        }
        return s;
    }

    /** {@code scontrol show job}'s Key=Value pairs of one job (finished jobs stay for MinJobAge, 10 minutes). */
    private Map<String, String> show(String job) throws Exception {
        Proc p = run(slurmEnv, Duration.ofSeconds(30), "scontrol", "show", "job", "-o", job);
        assertEquals(0, p.code(), "scontrol show job " + job + ": " + p.err());
        Map<String, String> m = new TreeMap<>();
        for (String kv : p.out().strip().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.putIfAbsent(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    private String queue() throws Exception {
        return run(slurmEnv, Duration.ofSeconds(30), "squeue").out();
    }

    /** Every job log so far, for a failure message. */
    private String logs() throws IOException {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> files = Files.list(work.resolve("logs"))) {
            for (Path f : files.sorted().toList()) {
                String text = Files.readString(f);
                b.append("--- ").append(f.getFileName()).append('\n')
                        .append(text.length() > 4000 ? text.substring(text.length() - 4000) : text).append('\n');
            }
        }
        return b.toString();
    }

    record Proc(int code, String out, String err) {
    }

    private static Proc run(Map<String, String> env, Duration timeout, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("slurm-e2e-out", ".txt");
        Path err = Files.createTempFile("slurm-e2e-err", ".txt");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError(cmd[0] + " cannot run (" + e.getMessage() + "): the Slurm end-to-end test needs Debian's"
                    + " slurm-wlm and munge (.ci/run installs them)", e);
        }
        if (!p.waitFor(timeout.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " still running after " + timeout);
        }
        Proc r = new Proc(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }
}
