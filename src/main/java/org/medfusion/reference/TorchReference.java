package org.medfusion.reference;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.medfusion.platform.GlibcMalloc;
import org.medfusion.bench.CpuMallocProbe;
import org.medfusion.bench.MeasureSettings;
import org.medfusion.bench.RunSettings;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.results.CellKey;
import org.medfusion.results.Device;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.platform.Json;
import org.medfusion.results.Precision;
import org.medfusion.results.ReferenceFigures;

/**
 * The same cell in the machine's PyTorch ({@code measure --reference torch}): {@code scripts/torch_cell.py} runs
 * torchvision's model flattened into our block list, with our segment plan (each recomputed segment under
 * {@code torch.utils.checkpoint}, stored ones plainly), our AdamW step, batch, resolution and thread count, in two
 * processes as ours runs in two kinds of forks: one for memory (our {@code cpu.rss.peak} method: the environment of our
 * memory forks, {@code MALLOC_MMAP_THRESHOLD_=65536}, and the allocation counter preloaded when
 * {@code -Dmedfusion.allocCounter} names it; the peak above the steady state the warm-up left) and one for time (the
 * paired protocol: a plain step before each checkpointed one; the allocator environment of our timing forks).
 *
 * <p>No PyTorch on the machine, a cell it cannot run (amp, GPU, a model whose torchvision block list we do not
 * flatten): {@link ReferenceFigures#notAvailable}, never an error: the reference stands beside our figures, it never decides
 * a cell's status.
 */
public final class TorchReference {

    private TorchReference() {
    }

    /** The scripts the reference runs, packaged in the jar too. */
    static final List<String> PACKAGED_SCRIPTS = List.of("torch_cell.py", "torch_reference.py");

    /**
     * {@code scripts/} of the checkout: {@code -Dmedfusion.scripts}, else {@code ./scripts}, else beside the jar's folder,
     * else the copies packaged in the jar, written once per process into a temporary folder.
     */
    public static Optional<Path> scriptsDir() {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty("medfusion.scripts");
        if (prop != null && !prop.isBlank()) {
            candidates.add(Path.of(prop));
        }
        candidates.add(Path.of("scripts"));
        try {
            Path jar = Path.of(TorchReference.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (jar.getParent() != null && jar.getParent().getParent() != null) {
                candidates.add(jar.getParent().getParent().resolve("scripts"));
            }
        } catch (Exception ignored) {
            // no code source: the other candidates
        }
        Optional<Path> onDisk = candidates.stream().filter(d -> Files.isRegularFile(d.resolve("torch_cell.py"))).findFirst();
        return onDisk.isPresent() ? onDisk : packagedScripts();
    }

    private static Path extracted;

    /** The packaged scripts, written into a temporary folder on first use (empty when the jar lacks them). */
    static synchronized Optional<Path> packagedScripts() {
        if (extracted != null) {
            return Optional.of(extracted);
        }
        try {
            Path dir = Files.createTempDirectory("medfusion-scripts");
            for (String name : PACKAGED_SCRIPTS) {
                try (InputStream in = TorchReference.class.getResourceAsStream("/scripts/" + name)) {
                    if (in == null) {
                        AtomicFiles.deleteTreeQuietly(dir);
                        return Optional.empty();
                    }
                    Files.copy(in, dir.resolve(name));
                }
            }
            dir.toFile().deleteOnExit();
            for (String name : PACKAGED_SCRIPTS) {
                dir.resolve(name).toFile().deleteOnExit();
            }
            extracted = dir;
            return Optional.of(dir);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Measures {@code key} in PyTorch.
     *
     * @param python the interpreter, or empty with {@code notFound} saying what was tried
     * @param plan our segment plan of the cell, null for a plain cell
     * @param blocks our block count (PyTorch's flattening must give the same)
     * @param threads intra-op threads (ours)
     * @param counts our warm-up and measured steps of each kind; memory only: no time process, PyTorch's times missing
     */
    public static ReferenceFigures measure(Optional<TorchPython> python, String notFound, CellKey key, SegmentPlan plan, int blocks,
            int threads, MeasureSettings counts) {
        if (python.isEmpty()) {
            return ReferenceFigures.notAvailable(notFound);
        }
        if (key.device() != Device.CPU || key.precision() != Precision.FP32 || key.accumulation() != 1) {
            return ReferenceFigures.notAvailable("the PyTorch reference runs fp32 CPU cells without accumulation for now");
        }
        Optional<Path> scripts = scriptsDir();
        if (scripts.isEmpty()) {
            return ReferenceFigures.notAvailable("scripts/torch_cell.py not found (run from the checkout or set -Dmedfusion.scripts)");
        }
        TorchPython py = python.get();
        List<String> common = new ArrayList<>(List.of(key.model(), "--batch", String.valueOf(key.batch()), "--res", String.valueOf(key.res()),
                "--blocks", String.valueOf(blocks), "--threads", String.valueOf(threads)));
        if (plan != null) {
            common.add("--plan");
            common.add(plan.spec());
        }
        Path script = scripts.get().resolve("torch_cell.py");
        try {
            JsonNode mem = run(py, script, common, "memory", counts.memory(), memoryEnvironment());
            if (!"ok".equals(mem.path("status").asText())) {
                return new ReferenceFigures("error", mem.path("message").asText(), null, null, null, null, described(py, mem), threads);
            }
            Long mallocPeak = mem.path("malloc_peak_bytes").isNumber() ? mem.path("malloc_peak_bytes").asLong() : null;
            if (counts.memoryOnly()) {
                return new ReferenceFigures("ok", null, mem.path("peak_bytes").asLong(), mallocPeak, null, null, described(py, mem), threads);
            }
            JsonNode time = run(py, script, common, "time", counts.timing(), timingEnvironment());
            if (!"ok".equals(time.path("status").asText())) {
                return new ReferenceFigures("error", time.path("message").asText(), mem.path("peak_bytes").asLong(), null, null, null,
                        described(py, time), threads);
            }
            return new ReferenceFigures("ok", null, mem.path("peak_bytes").asLong(), mallocPeak, time.path("step_ms_median").asDouble(),
                    time.path("ratio_median").isNumber() ? time.path("ratio_median").asDouble() : null, described(py, time), threads);
        } catch (RuntimeException e) {
            return new ReferenceFigures("error", Json.oneLine(e), null, null, null, null, py.describe(), threads);
        }
    }

    /** The memory process's environment: our memory forks' allocator settings, and the counter when one is named. */
    static Map<String, String> memoryEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.putAll(GlibcMalloc.MEMORY.variables());
        String counter = System.getProperty(CpuMallocProbe.COUNTER_PROPERTY);
        if (counter != null && !counter.isBlank()) {
            env.put("LD_PRELOAD", counter);
        }
        return env;
    }

    /**
     * The time process's environment: our timing forks' allocator settings ({@link GlibcMalloc#TIMING}), so that glibc keeps
     * freed memory in both frameworks alike. With glibc's defaults PyTorch's tensors above the dynamic mmap threshold
     * were mapped and faulted in afresh each step, which costs a plain step (more bytes) more than a checkpointed one:
     * PyTorch's paired increases came out negative (-26 % on EfficientNet-B0 b8 112 s8) and its ratios unfairly low.
     */
    static Map<String, String> timingEnvironment() {
        return GlibcMalloc.TIMING.variables();
    }

    /**
     * The interpreter and versions, with the BLAS library PyTorch's matmuls ran in when the script saw one: Debian's
     * torch uses the system's libblas.so.3, netlib's unoptimised reference BLAS unless OpenBLAS or BLIS is installed,
     * and a matmul-heavy model's step time depends on it many times over.
     */
    private static String described(TorchPython py, JsonNode result) {
        JsonNode blas = result.path("blas");
        return blas.isTextual() && !blas.asText().isBlank() ? py.describe() + "; BLAS " + blas.asText() : py.describe();
    }

    private static JsonNode run(TorchPython py, Path script, List<String> common, String mode, RunSettings counts,
            Map<String, String> env) {
        List<String> args = new ArrayList<>(common);
        args.addAll(List.of("--mode", mode, "--warmup", String.valueOf(counts.warmup()), "--iterations", String.valueOf(counts.iterations())));
        String out = py.runScript(script, args, env, 3600);
        List<String> lines = out.lines().filter(l -> l.startsWith("{")).toList();
        if (lines.isEmpty()) {
            throw new IllegalStateException("torch_cell.py printed no result");
        }
        try {
            return Json.MAPPER.readTree(lines.get(lines.size() - 1));
        } catch (Exception e) {
            throw new IllegalStateException("torch_cell.py printed no JSON: " + Json.oneLine(e));
        }
    }
}
