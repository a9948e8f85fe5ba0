package org.medfusion.gpu;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.bench.PeakMemoryProfiler;

/**
 * Cross-checks the two CUDA memory probes of a GPU run, step by step, from the JMH JSON of its memory
 * forks ({@code <run-dir>/jmh/*-memory.json}, where {@link PeakMemoryProfiler} leaves every step's
 * figures):
 * <ol>
 *   <li>both probes reported ({@code cuda.allocated.peak} needs the cudaMallocAsync fork);</li>
 *   <li>{@code cuda.reserved.peak >= cuda.allocated.peak} for every step (what the pool holds at the
 *       end of a step is at least what tensors held at its peak: PyTorch sets the pool's release
 *       threshold to the maximum, so nothing is returned before the reading);</li>
 *   <li>{@code cuda.allocated.peak >= } the activation bound: the largest {@code input + output} of
 *       one block at the cell's batch and resolution (both are alive while that block runs, in the
 *       plain and in the checkpointed forward; for the first block only its output, the input batch
 *       lives in the steady state). The step's peak is above the steady state, so weights, gradients
 *       and optimizer state are not in it;</li>
 *   <li>{@code cuda.allocated.steady >= 4 x parameter bytes + input bytes}: weights, their gradients
 *       and AdamW's two moments (fp32), plus the input batch, are all allocated before every measured
 *       step (after warm-up).</li>
 * </ol>
 * Bounds come from the models' shapes (built on the CPU, nothing run). Prints one row per cell and
 * writes {@code probe-crosscheck.csv} into the run directory. Exit 0 all pass, 1 a check failed,
 * 3 no GPU memory results found.
 *
 * <p>{@code java -cp benchmarks.jar org.medfusion.gpu.ProbeCrossCheck <run-dir>}
 */
public final class ProbeCrossCheck {

    /** One cell's memory fork results and bounds. */
    record Row(String cell, int steps, long minReservedMinusAllocated, long allocatedPeakMin, long activationBound,
            long allocatedSteadyMin, long stateBound, String verdict) {
    }

    private ProbeCrossCheck() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: ProbeCrossCheck <run-dir>");
            System.exit(2);
        }
        System.exit(run(Paths.get(args[0]), System.out));
    }

    static int run(Path runDir, PrintStream out) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(runDir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith("-memory.json")).sorted().toList();
        }
        List<Row> rows = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        for (Path f : files) {
            JsonNode root = mapper.readTree(f.toFile());
            for (JsonNode bench : root) {
                JsonNode params = bench.path("params");
                if (!"gpu".equals(params.path("device").asText())) {
                    continue;
                }
                rows.add(check(params, bench.path("secondaryMetrics")));
            }
        }
        if (rows.isEmpty()) {
            out.println("error: no GPU memory results (jmh/*-memory.json with device=gpu) under " + runDir);
            return 3;
        }
        StringBuilder csv = new StringBuilder("cell,steps,min_reserved_minus_allocated,allocated_peak_min,activation_bound,"
                + "allocated_steady_min,state_bound,verdict\n");
        out.printf(Locale.ROOT, "%-34s %5s %14s %12s %12s %12s %12s  %s%n", "cell", "steps", "res-alloc MiB", "alloc MiB",
                "act.bound", "steady MiB", "state.bound", "verdict");
        boolean ok = true;
        for (Row r : rows) {
            ok &= r.verdict.equals("ok");
            out.printf(Locale.ROOT, "%-34s %5d %14.1f %12.1f %12.1f %12.1f %12.1f  %s%n", r.cell, r.steps,
                    mib(r.minReservedMinusAllocated), mib(r.allocatedPeakMin), mib(r.activationBound), mib(r.allocatedSteadyMin),
                    mib(r.stateBound), r.verdict);
            csv.append(String.join(",", r.cell, Integer.toString(r.steps), Long.toString(r.minReservedMinusAllocated),
                    Long.toString(r.allocatedPeakMin), Long.toString(r.activationBound), Long.toString(r.allocatedSteadyMin),
                    Long.toString(r.stateBound), '"' + r.verdict.replace("\"", "'") + '"')).append('\n');
        }
        Files.writeString(runDir.resolve("probe-crosscheck.csv"), csv, StandardCharsets.UTF_8);
        out.println(ok ? "probe cross-check: all cells pass" : "probe cross-check: FAILED (see verdicts)");
        return ok ? 0 : 1;
    }

    private static double mib(long b) {
        return b == Long.MIN_VALUE ? Double.NaN : b / 1048576.0;
    }

    static Row check(JsonNode params, JsonNode metrics) {
        String model = params.path("model").asText();
        int batch = params.path("batch").asInt();
        int res = params.path("res").asInt();
        int segments = params.path("segments").asInt();
        String cell = model + "_b" + batch + "_r" + res + "_s" + segments;
        List<Double> reserved = flatten(metrics.path(PeakMemoryProfiler.CUDA_RESERVED));
        List<Double> allocated = flatten(metrics.path(PeakMemoryProfiler.CUDA_ALLOCATED));
        List<Double> steady = flatten(metrics.path(PeakMemoryProfiler.CUDA_ALLOCATED_STEADY));
        List<String> problems = new ArrayList<>();
        long[] bounds;
        try {
            bounds = bounds(model, batch, res);
        } catch (RuntimeException e) {
            bounds = new long[] {Long.MIN_VALUE, Long.MIN_VALUE};
            problems.add("bounds not computable: " + e.getMessage());
        }
        if (reserved.isEmpty()) {
            problems.add("no " + PeakMemoryProfiler.CUDA_RESERVED);
        }
        if (allocated.isEmpty()) {
            problems.add("no " + PeakMemoryProfiler.CUDA_ALLOCATED + " (fork not on cudaMallocAsync?)");
        }
        long minDiff = Long.MAX_VALUE;
        long minAlloc = Long.MAX_VALUE;
        int n = Math.min(reserved.size(), allocated.size());
        if (reserved.size() != allocated.size() && !allocated.isEmpty()) {
            problems.add("probes have different step counts " + reserved.size() + " vs " + allocated.size());
        }
        for (int i = 0; i < n; i++) {
            long r = Math.round(reserved.get(i));
            long a = Math.round(allocated.get(i));
            minDiff = Math.min(minDiff, r - a);
            minAlloc = Math.min(minAlloc, a);
        }
        if (n > 0 && minDiff < 0) {
            problems.add("reserved < allocated in a step (by " + (-minDiff) + " B)");
        }
        if (n > 0 && minAlloc <= 0) {
            problems.add("allocated peak <= 0");
        }
        if (n > 0 && bounds[0] != Long.MIN_VALUE && minAlloc < bounds[0]) {
            problems.add("allocated peak " + minAlloc + " < activation bound " + bounds[0]);
        }
        long minSteady = steady.stream().mapToLong(Math::round).min().orElse(Long.MIN_VALUE);
        if (steady.isEmpty()) {
            problems.add("no " + PeakMemoryProfiler.CUDA_ALLOCATED_STEADY);
        } else if (bounds[1] != Long.MIN_VALUE && minSteady < bounds[1]) {
            problems.add("steady allocated " + minSteady + " < weights+grads+AdamW+input " + bounds[1]);
        }
        return new Row(cell, n, n == 0 ? Long.MIN_VALUE : minDiff, n == 0 ? Long.MIN_VALUE : minAlloc, bounds[0], minSteady,
                bounds[1], problems.isEmpty() ? "ok" : String.join("; ", problems));
    }

    /** JMH's rawData: one array per fork, one value per measured iteration. */
    private static List<Double> flatten(JsonNode metric) {
        List<Double> out = new ArrayList<>();
        for (JsonNode fork : metric.path("rawData")) {
            for (JsonNode v : fork) {
                out.add(v.asDouble());
            }
        }
        return out;
    }

    /**
     * {@code [activation bound, state bound]} in bytes for one cell: the largest input+output of a
     * block (the first block: its output) and 4 x fp32 parameter bytes + the fp32 input batch.
     */
    public static long[] bounds(String model, int batch, int res) {
        try (Backbone b = BackboneRegistry.create(model, BackboneOptions.defaults().withImageSize(res), Device.cpu())) {
            Shape shape = new Shape(1, 3, res, res);
            long act = 0;
            boolean first = true;
            for (Block block : b.blocks()) {
                Shape next = block.getOutputShapes(new Shape[] {shape})[0];
                long bytes = (first ? 0 : shape.size()) + next.size();
                act = Math.max(act, bytes * 4L * batch);
                shape = next;
                first = false;
            }
            long params = 0;
            for (Parameter p : b.trainableParameters()) {
                params += p.getArray().size();
            }
            long state = 4L * 4L * params + 4L * batch * 3L * res * res;
            return new long[] {act, state};
        }
    }
}
