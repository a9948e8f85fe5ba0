package org.medfusion.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --shard auto}: each scheduler's variables, and the shipped examples under {@code examples/}, whose
 * array/completion/matrix settings are read from the files and simulated task by task.
 */
class ShardsAutoTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static Shards.Shard shard(int k, int n) {
        return new Shards.Shard(k, n);
    }

    @Test
    void explicitVariableForCiMatrices() {
        assertEquals(shard(2, 4), Shards.auto(Map.of("MEDFUSION_SHARD", "2/4")));
        assertEquals(shard(2, 4), Shards.resolve("auto", Map.of("MEDFUSION_SHARD", "2/4")));
        assertEquals(shard(1, 3), Shards.resolve("1/3", Map.of("MEDFUSION_SHARD", "2/4")), "k/n given wins");
        assertEquals("MEDFUSION_SHARD must be k/n with 1 <= k <= n, got 2-4",
                assertThrows(IllegalArgumentException.class, () -> Shards.auto(Map.of("MEDFUSION_SHARD", "2-4"))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Shards.auto(Map.of("MEDFUSION_SHARD", "5/4")))
                .getMessage().contains("gives shard 5/4"));
    }

    @Test
    void slurmArraysStartingAtZeroOrOne() {
        for (int min : List.of(0, 1)) {
            for (int id = min; id < min + 4; id++) {
                Map<String, String> env = slurm(id, min, min + 3, 1);
                env.put("SLURM_ARRAY_TASK_COUNT", "4");
                assertEquals(shard(id - min + 1, 4), Shards.auto(env), "--array=" + min + "-" + (min + 3) + " task " + id);
            }
        }
        assertEquals(shard(3, 4), Shards.auto(slurm(14, 10, 16, 2)), "--array=10-16:2");
    }

    @Test
    void slurmArraysWithGapsAreRefused() {
        Map<String, String> env = slurm(3, 1, 7, 1);
        env.put("SLURM_ARRAY_TASK_COUNT", "3"); // --array=1,3,7
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Shards.auto(env)).getMessage()
                .contains("SLURM_ARRAY_TASK_COUNT=3 but the range 1-7:1 has 7 tasks"));
        Map<String, String> noMin = new HashMap<>(Map.of("SLURM_ARRAY_TASK_ID", "2"));
        assertEquals("--shard auto: SLURM_ARRAY_TASK_MIN is not set",
                assertThrows(IllegalArgumentException.class, () -> Shards.auto(noMin)).getMessage());
    }

    @Test
    void kubernetesIndexedJobNeedsTheCount() {
        assertEquals(shard(1, 4), Shards.auto(Map.of("JOB_COMPLETION_INDEX", "0", "MEDFUSION_SHARD_COUNT", "4")));
        assertEquals(shard(4, 4), Shards.auto(Map.of("JOB_COMPLETION_INDEX", "3", "JOB_COMPLETIONS", "4")));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Shards.auto(Map.of("JOB_COMPLETION_INDEX", "3")))
                .getMessage().contains("set MEDFUSION_SHARD_COUNT to the Job's spec.completions"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Shards.auto(Map.of("JOB_COMPLETION_INDEX", "x", "MEDFUSION_SHARD_COUNT", "4"))).getMessage()
                .contains("JOB_COMPLETION_INDEX must be a non-negative integer, got x"));
    }

    @Test
    void nothingSetIsOneLineNamingTheVariables() {
        String msg = assertThrows(IllegalArgumentException.class, () -> Shards.auto(Map.of("PATH", "/bin"))).getMessage();
        assertTrue(msg.startsWith("--shard auto found no shard in the environment: set MEDFUSION_SHARD=k/n"), msg);
        assertTrue(!msg.contains("\n") && msg.contains("SLURM_ARRAY_TASK_ID") && msg.contains("JOB_COMPLETION_INDEX"));
    }

    /** examples/slurm: every task of the script's {@code #SBATCH --array=a-b[:s]} gets a distinct shard. */
    @Test
    void slurmExampleScript() throws Exception {
        String script = Files.readString(Path.of("examples/slurm/bench-array.sbatch"));
        Matcher m = Pattern.compile("(?m)^#SBATCH --array=(\\d+)-(\\d+)(?::(\\d+))?\\s*$").matcher(script);
        assertTrue(m.find(), "the script declares an array range");
        int min = Integer.parseInt(m.group(1));
        int max = Integer.parseInt(m.group(2));
        int step = m.group(3) == null ? 1 : Integer.parseInt(m.group(3));
        int n = (max - min) / step + 1;
        List<Shards.Shard> got = new ArrayList<>();
        for (int id = min; id <= max; id += step) {
            Map<String, String> env = slurm(id, min, max, step);
            env.put("SLURM_ARRAY_TASK_COUNT", Integer.toString(n));
            got.add(Shards.auto(env));
        }
        assertEquals(allShards(n), got);
        assertTrue(script.contains("run --config \"$config\" --shard auto"), "the script runs --shard auto");
        assertTrue(script.contains("config=\"${MEDFUSION_CONFIG:-zoo-cpu}\""), "zoo-cpu unless MEDFUSION_CONFIG says otherwise");
    }

    /**
     * The Slurm scripts themselves, run by bash with each array task's variables and a {@code java} that records its
     * arguments: task k writes its shard where the merge job's glob finds it, and the merge job merges, reports and
     * gates exactly those directories (SlurmEndToEndIT submits the same files to a real Slurm).
     */
    @Test
    void slurmScriptsWriteWhereTheMergeJobReads(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("java.log");
        Path results = tmp.resolve("results");
        for (int id = 0; id <= 3; id++) {
            Map<String, String> env = slurm(id, 0, 3, 1);
            env.put("SLURM_ARRAY_JOB_ID", "77");
            env.put("MEDFUSION_RESULTS", results.toString());
            String call = runWithStubJava(tmp, log, env, "bash", "examples/slurm/bench-array.sbatch");
            String expected = "run --config zoo-cpu --shard auto --out " + results + "/array-77/shard-" + id;
            assertTrue(call.endsWith(expected), call);
            assertEquals(shard(id + 1, 4), Shards.auto(env), "task " + id);
            Files.createDirectories(results.resolve("array-77/shard-" + id));
        }
        String calls = runWithStubJava(tmp, log, Map.of("MEDFUSION_RESULTS", results.toString(), "MEDFUSION_GATE_OPTS", "--alpha 0.05"),
                "bash", "examples/slurm/merge-gate-report.sbatch", "77");
        String dir = results + "/array-77";
        List<String> lines = calls.lines().map(l -> l.replaceFirst("^-Djava.io.tmpdir=\\S+ -jar target/benchmarks.jar ", "")).toList();
        assertEquals(List.of("merge --out " + dir + "/merged " + dir + "/shard-0 " + dir + "/shard-1 " + dir + "/shard-2 " + dir + "/shard-3",
                "report " + dir + "/merged",
                "gate --ratio-only --junit " + dir + "/gate-junit.xml --markdown " + dir + "/gate-summary.md --alpha 0.05 " + dir + "/merged"),
                lines);
    }

    /** Runs a command with {@code java} replaced by a stub that appends its arguments to {@code log}; returns the log. */
    static String runWithStubJava(Path tmp, Path log, Map<String, String> env, String... cmd) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path stub = bin.resolve("java");
        Files.writeString(stub, "#!/bin/sh\necho \"$*\" >> \"$STUB_LOG\"\n");
        stub.toFile().setExecutable(true);
        Files.deleteIfExists(log);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("STUB_LOG", log.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return Files.readString(log).strip();
    }

    /** examples/kubernetes: each completion index of the Job, with the container env from the manifest. */
    @Test
    void kubernetesExampleManifest() throws Exception {
        JsonNode job = YAML.readTree(Path.of("examples/kubernetes/bench-indexed-job.yaml").toFile());
        JsonNode spec = job.get("spec");
        assertEquals("Indexed", spec.get("completionMode").asText());
        int completions = spec.get("completions").asInt();
        JsonNode container = spec.at("/template/spec/containers/0");
        Map<String, String> base = new HashMap<>();
        container.get("env").forEach(e -> base.put(e.get("name").asText(), e.get("value").asText()));
        List<Shards.Shard> got = new ArrayList<>();
        for (int i = 0; i < completions; i++) {
            Map<String, String> env = new HashMap<>(base);
            env.put("JOB_COMPLETION_INDEX", Integer.toString(i));
            got.add(Shards.auto(env));
        }
        assertEquals(allShards(completions), got, "MEDFUSION_SHARD_COUNT must equal spec.completions");
        assertTrue(container.get("args").get(0).asText().contains("--shard auto"));
    }

    /**
     * The Job's container command, run by {@code sh -c} as Kubernetes would (its command and args) with each completion
     * index and a recording {@code java}: every index writes its own shard directory under the volume the merge in the
     * manifest's header reads ({@code /results/zoo/shard-*}).
     */
    @Test
    void kubernetesContainerCommandPerIndex(@TempDir Path tmp) throws Exception {
        JsonNode job = YAML.readTree(Path.of("examples/kubernetes/bench-indexed-job.yaml").toFile());
        JsonNode container = job.at("/spec/template/spec/containers/0");
        List<String> cmd = new ArrayList<>();
        container.get("command").forEach(c -> cmd.add(c.asText()));
        container.get("args").forEach(a -> cmd.add(a.asText()));
        assertEquals(List.of("sh", "-c"), cmd.subList(0, 2));
        Map<String, String> base = new HashMap<>();
        container.get("env").forEach(e -> base.put(e.get("name").asText(), e.get("value").asText()));
        String header = Files.readString(Path.of("examples/kubernetes/bench-indexed-job.yaml"));
        assertTrue(header.contains("merge --out /results/zoo-merged /results/zoo/shard-*"), "the header's merge");
        for (int i = 0; i < job.at("/spec/completions").asInt(); i++) {
            Map<String, String> env = new HashMap<>(base);
            env.put("JOB_COMPLETION_INDEX", Integer.toString(i));
            String call = runWithStubJava(tmp, tmp.resolve("java.log"), env, cmd.toArray(String[]::new));
            assertTrue(call.endsWith("run --config zoo-cpu --shard auto --out /results/zoo/shard-" + i), call);
            assertEquals(shard(i + 1, 4), Shards.auto(env));
        }
    }

    /**
     * The workflow's shard step, its {@code ${{ matrix.shard }}} rendered per matrix entry and run by bash with the
     * job's env: each entry uploads shards/shard-k, which the merge job downloads into shards/ and merges.
     */
    @Test
    void githubActionsShardStepPerMatrixEntry(@TempDir Path tmp) throws Exception {
        JsonNode wf = YAML.readTree(Path.of("examples/github-actions/bench.yml").toFile());
        JsonNode job = wf.at("/jobs/shard");
        String runStep = null;
        for (JsonNode step : job.get("steps")) {
            if (step.has("run") && step.get("run").asText().contains("--shard auto")) {
                runStep = step.get("run").asText();
            }
        }
        assertTrue(runStep != null, "a step runs --shard auto");
        String merge = wf.at("/jobs/merge-gate-report/steps").toString();
        assertTrue(merge.contains("merge --out merged shards/shard-*"), merge);
        for (JsonNode v : job.at("/strategy/matrix/shard")) {
            String value = v.asText();
            Map<String, String> env = Map.of("MEDFUSION_SHARD", job.at("/env/MEDFUSION_SHARD").asText().replace("${{ matrix.shard }}", value));
            String call = runWithStubJava(tmp, tmp.resolve("java.log"), env, "bash", "-c", runStep.replace("${{ matrix.shard }}", value));
            assertTrue(call.endsWith("run --config zoo-cpu --shard auto --out shards/shard-" + value), call);
            assertEquals(shard(Integer.parseInt(value), 4), Shards.auto(env));
        }
    }

    /** examples/github-actions: each matrix entry, with the job's env after substituting the matrix value. */
    @Test
    void githubActionsExampleWorkflow() throws Exception {
        JsonNode wf = YAML.readTree(Path.of("examples/github-actions/bench.yml").toFile());
        JsonNode job = wf.at("/jobs/shard");
        JsonNode values = job.at("/strategy/matrix/shard");
        String template = job.at("/env/MEDFUSION_SHARD").asText();
        List<Shards.Shard> got = new ArrayList<>();
        for (JsonNode v : values) {
            String value = template.replace("${{ matrix.shard }}", v.asText());
            got.add(Shards.auto(Map.of("MEDFUSION_SHARD", value)));
        }
        assertEquals(allShards(values.size()), got);
        String steps = wf.at("/jobs/merge-gate-report/steps").toString();
        assertTrue(steps.contains("merge --out merged") && steps.contains("gate ") && steps.contains("upload-artifact"),
                "merge, gate and report upload follow the shards");
        assertEquals("shard", wf.at("/jobs/merge-gate-report/needs").asText());
    }

    private static Map<String, String> slurm(int id, int min, int max, int step) {
        Map<String, String> env = new HashMap<>();
        env.put("SLURM_ARRAY_TASK_ID", Integer.toString(id));
        env.put("SLURM_ARRAY_TASK_MIN", Integer.toString(min));
        env.put("SLURM_ARRAY_TASK_MAX", Integer.toString(max));
        if (step != 1) {
            env.put("SLURM_ARRAY_TASK_STEP", Integer.toString(step));
        }
        return env;
    }

    private static List<Shards.Shard> allShards(int n) {
        List<Shards.Shard> l = new ArrayList<>();
        for (int k = 1; k <= n; k++) {
            l.add(shard(k, n));
        }
        return l;
    }
}
