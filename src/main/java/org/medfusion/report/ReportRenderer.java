package org.medfusion.report;

import org.medfusion.bench.MemoryProbe;
import org.medfusion.bench.MemoryProbes;
import org.medfusion.results.Fmt;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.results.CellIndex;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Environment;
import org.medfusion.results.RunManifest;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheNotFoundException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders {@code report.md} and {@code report.html} with mustache.java from the classpath templates
 * {@code report-templates/report.md.mustache} and {@code report-templates/report.html.mustache} (copied from the
 * repository's {@code report-templates/} by the pom, so the jar renders from any directory). The HTML escapes
 * every value and embeds the PNG charts as base64 data URIs: it is one self-contained file (the SVGs are linked
 * alongside). The Markdown links the chart files in {@code charts/}.
 *
 * <p>Template data ({@link #model}): run id, config, cell counts, the memory / slowdown / seed tables (as
 * {@link ReportTable}: {@code header}, {@code rowData[].cells}, and pre-rendered Markdown), charts, the
 * measurement methods, cells without figures and the environment manifest.
 */
public final class ReportRenderer {

    public static final String TEMPLATE_ROOT = "report-templates";
    public static final String MD = "report.md";
    public static final String HTML = "report.html";

    /** What each chart shows, printed under it. */
    static final Map<String, String> CHART_NOTES = Map.of(
            "memory", "Bars: peak memory of one training step per segment count. A missing bar is a cell that ran "
                    + "out of memory, failed or was not run (see the tables).",
            "slowdown", "Step-time increase over the same model without checkpointing (0 at 0 segments). Error "
                    + "bars: the larger side of the 95% bootstrap interval of the ratio in slowdown.csv. Points of different "
                    + "models are shifted slightly sideways so their bars do not hide each other.",
            "tradeoff", "Each point is one segment count (label; \"none\" = no checkpointing), both axes relative "
                    + "to the same model without checkpointing; the dashed line is the model's Pareto front "
                    + "(settings no other setting beats in both memory and time).",
            Charts.REFERENCE_PEAK, "Bars: the peak memory of one training step of each cell, ours and PyTorch's, by the same method"
                    + " (cpu.rss.peak above the steady state) in the same run; cells without PyTorch's figure are left out (see the table).",
            Charts.EQUAL_MEMORY_BATCH, "Bars: the largest batch whose measured step peak fits the cap, per mode (0: nothing fits). "
                    + "Source: equal-memory.csv.",
            Charts.EQUAL_MEMORY_THROUGHPUT, "Bars: samples per second at that batch (batch / median step time); error bars: the larger "
                    + "side of the 95% interval from the step time's. 0: nothing fits; a missing bar: not timed or that mode not run.");

    private ReportRenderer() {
    }

    /** How each metric is measured (the same text in both templates). */
    public static List<Map<String, String>> methods() {
        List<Map<String, String>> out = new ArrayList<>();
        for (MemoryProbe p : MemoryProbes.create()) {
            out.add(method(p.name(), p.unit(), p.description()));
        }
        out.add(method("peak", "bytes", "each memory method gives one figure per measured step; a memory fork's "
                + "figure (memory_repeats in raw.csv) is the median of its steps, and the cell's peak is the median "
                + "of all measured steps of its memory forks (the JVM occasionally maps memory of its own during a "
                + "step, a one-off outlier)."));
        out.addAll(List.of(
                method("step time", "ms", "JMH single-shot time of one training step (forward, backward, "
                        + "optimizer update) after explicit warm-up steps, in forks of their own (C1 JIT only, serial "
                        + "GC: no JVM thread competes with libtorch's OpenMP threads mid-step) whose glibc allocator keeps "
                        + "the memory it frees (MALLOC_MMAP_THRESHOLD_=32 MiB, MALLOC_TRIM_THRESHOLD_=4 GiB, "
                        + "MALLOC_TOP_PAD_=256 MiB: no page faults from memory returned and re-faulted each step, whose "
                        + "amount otherwise varied from fork to fork); "
                        + "the median of the measured steps with a distribution-free 95% confidence interval of "
                        + "the median (order statistics, binomial; [min, max] when fewer than 6 steps, which then "
                        + "covers less than 95%)."),
                method("saving", "%", "1 − peak with checkpointing / peak without, from cells of the same run, "
                        + "model, batch, resolution, precision and device, measured with the same memory method."),
                method("increase", "%", "median step time with checkpointing / median without − 1 (same run); the "
                        + "bracketed 95% interval is a percentile bootstrap of the ratio of the two medians (samples "
                        + "resampled independently, fixed seed). \"paired\": the median of the per-step ratios of each "
                        + "checkpointed step over a plain step run just before it in the same fork, with the "
                        + "distribution-free 95% interval of that median; the fork's and the machine's speed cancel step "
                        + "by step, so it is the figure to trust on a busy machine. CV: standard deviation / mean of a "
                        + "cell's steps."),
                method("recompute overhead", "ratio", "(checkpointed median − plain median) / forward time of the "
                        + "recomputed segments (with grad, each from its input, timed alone in forks of their own with the "
                        + "step forks' settings: the median over forks of each fork's median call; runs from 4 Dec 2026 "
                        + "on time at least 10 calls after at least 10 warm-up calls in each of 3 forks, earlier runs the "
                        + "step's own counts in one fork; where raw.csv has recompute_fork_ms, it lists each fork's "
                        + "median, and twice as many as the protocol's forks (3, or the step's fork count where larger) "
                        + "mean the first forks' medians differed by more than 20 % and as many forks again timed it, "
                        + "the figure being the median of all): 1.0 means the extra time is exactly the recomputation.")));
        return out;
    }

    private static Map<String, String> method(String metric, String unit, String how) {
        return Map.of("metric", metric, "unit", unit, "how", how);
    }

    /** The environment manifest as a two-column table; a note when there is no manifest. */
    public static ReportTable environmentTable(RunManifest m) {
        List<List<String>> rows = new ArrayList<>();
        if (m == null) {
            rows.add(List.of("manifest", "missing: manifest.json was not found, the environment is unknown"));
            return new ReportTable(List.of("field", "value"), rows);
        }
        Environment e = m.environment();
        add(rows, "run id", m.runId());
        add(rows, "config", m.configName());
        add(rows, "config hash", m.configHash());
        add(rows, "shard", m.shard() == null ? "none (whole matrix)" : m.shard());
        add(rows, "started", m.startedAt());
        add(rows, "finished", m.finishedAt() == null ? "not finished" : m.finishedAt());
        add(rows, "command", m.commandLine());
        add(rows, "git commit", m.gitCommit());
        add(rows, "CPU", e.cpuModel());
        add(rows, "cores", Integer.toString(e.cores()));
        add(rows, "memory", e.memoryBytes() == null ? "unknown" : Fmt.gib(e.memoryBytes()) + " GiB");
        add(rows, "GPU", e.gpuName());
        add(rows, "GPU driver", e.gpuDriver());
        add(rows, "CUDA", e.cudaVersion());
        add(rows, "JVM", e.jvm());
        add(rows, "OS", e.os());
        add(rows, "DJL", e.djlVersion());
        add(rows, "libtorch", e.libtorchVersion());
        add(rows, "native fallback", e.nativeFallback());
        add(rows, "libtorch threads", e.intraOpThreads() == null ? "unknown" : e.intraOpThreads() + " intra-op thread(s) per measuring fork"
                + " (the config's threads or the environment's OMP_NUM_THREADS; libtorch's default is one per core)");
        add(rows, "machine load", loadText(m));
        add(rows, "host steal", m.stealPercent() == null ? "not recorded" : Fmt.fixed(m.stealPercent(), 1) + " % of the machine's CPU time"
                + " during the run (/proc/stat steal: the host ran other work while this VM's vCPUs were ready)");
        add(rows, "diagnostic knobs", m.diagnosticsActive() ? "diagnostic knob active: " + String.join(", ", m.diagnostics())
                + " (deliberate regression)" : "none");
        return new ReportTable(List.of("field", "value"), rows);
    }

    private static String loadText(RunManifest m) {
        if (m.loadAtStart().isEmpty() && m.loadAtEnd().isEmpty()) {
            return "not recorded";
        }
        return "1/5/15-minute load averages at start " + loads(m.loadAtStart()) + ", at end " + loads(m.loadAtEnd())
                + " (" + m.environment().cores() + " cores)";
    }

    private static String loads(List<Double> l) {
        return l.isEmpty() ? "unknown" : l.stream().map(x -> Fmt.fixed(x, 2)).collect(java.util.stream.Collectors.joining("/"));
    }

    /**
     * The warning printed beside the timing figures when other processes competed for the cores during the run (a
     * recorded 1-minute load average above the core count), null otherwise.
     */
    static String loadNote(RunManifest m) {
        Double peak = m == null ? null : m.peakLoad();
        if (peak == null || m.environment().cores() <= 0 || peak <= m.environment().cores()) {
            return null;
        }
        return "Step times measured on a busy machine: 1-minute load average up to " + Fmt.fixed(peak, 2) + " on "
                + m.environment().cores() + " cores. Absolute step times are slower and noisier than on an idle machine;"
                + " compare the paired increases, in which the machine's speed cancels step by step.";
    }

    /**
     * The note beside the step times when the forks ran fewer libtorch threads than the machine has cores (null
     * otherwise): such steps are slower than the machine's full speed, and steadier on small shared machines.
     */
    static String threadsNote(RunManifest m) {
        if (m == null || m.environment().intraOpThreads() == null || m.environment().intraOpThreads() >= m.environment().cores()) {
            return null;
        }
        int t = m.environment().intraOpThreads();
        return "Step times measured with " + t + " libtorch intra-op thread" + (t == 1 ? "" : "s") + " per fork on "
                + m.environment().cores() + " cores (the config's threads or OMP_NUM_THREADS): slower than this machine at full"
                + " width, and steadier where other work shares the cores; compare them only with runs at the same count.";
    }

    /** Steal (percent of the run's CPU time) from which the report says so beside the step times. */
    static final double STEAL_NOTE_PCT = 1.0;

    /** The note beside the step times when the host took a noticeable share of this VM's CPU time (null otherwise). */
    static String stealNote(RunManifest m) {
        Double steal = m == null ? null : m.stealPercent();
        if (steal == null || steal < STEAL_NOTE_PCT) {
            return null;
        }
        return "The host took " + Fmt.fixed(steal, 1) + " % of this machine's CPU time during the run (steal): its step times are"
                + " slower and noisier than on a quiet host, whatever the tool's settings; compare the paired increases.";
    }

    /** A cell's step CV above this is named beside the step times (the CV target of the project's CPU configs). */
    static final double SPREAD_NOTE_CV = 0.05;

    /**
     * The note printed beside the step times when some cells' steps spread by more than {@link #SPREAD_NOTE_CV} (null
     * otherwise): which cells, and how to find out whether the spread is the machine's.
     */
    static String spreadNote(List<CellResult> cells) {
        List<CellResult> timed = cells.stream().filter(c -> CellIndex.stepCv(c) != null).toList();
        List<CellResult> spread = timed.stream().filter(c -> CellIndex.stepCv(c) > SPREAD_NOTE_CV)
                .sorted(java.util.Comparator.comparingDouble((CellResult c) -> CellIndex.stepCv(c)).reversed()).toList();
        if (spread.isEmpty()) {
            return null;
        }
        String named = spread.stream().limit(5).map(c -> c.key().id() + " " + Fmt.fixed(100 * CellIndex.stepCv(c), 1) + " %")
                .collect(java.util.stream.Collectors.joining(", "));
        return spread.size() + " of " + timed.size() + " timed cells have a step CV above " + Fmt.fixed(100 * SPREAD_NOTE_CV, 0) + " %: "
                + named + (spread.size() > 5 ? ", ..." : "") + ". Their medians and intervals stand; the paired increases"
                + " cancel the machine's speed step by step. `step-trace` on such a cell shows per step whether its time went to"
                + " waiting for a CPU, other processes, page faults or slower computing on the CPUs it had (the machine's).";
    }

    /**
     * The warning printed beside the timing figures when the run measured under a native fallback (null otherwise):
     * such steps are slower than this machine's normal speed, which matters when runs of different machines are compared.
     */
    static String fallbackNote(RunManifest m) {
        if (m == null || !m.environment().fallbackApplied()) {
            return null;
        }
        return "Step times measured under a native fallback (" + m.environment().nativeFallback()
                + "); they are slower than this machine without the fallback, compare them across machines with care.";
    }

    /**
     * The notes printed beside the step times, in order, each with its HTML id and whether it is a warning (bold):
     * one list, so a new condition is one entry here and no new template block.
     */
    static List<Map<String, Object>> timeNotes(RunManifest manifest, List<CellResult> cells) {
        List<Map<String, Object>> out = new ArrayList<>();
        boolean timed = anyStepTime(cells);
        note(out, "native-fallback", fallbackNote(manifest), true);
        note(out, "machine-load", timed ? loadNote(manifest) : null, true);
        note(out, "host-steal", timed ? stealNote(manifest) : null, true);
        note(out, "threads", timed ? threadsNote(manifest) : null, true);
        note(out, "step-spread", spreadNote(cells), false);
        note(out, "diagnostics", manifest != null && manifest.diagnosticsActive() ? "Diagnostic knob active: "
                + String.join(", ", manifest.diagnostics()) + ". This run was deliberately regressed (run --diag) to test the"
                + " regression gate; its figures are not the build's real ones." : null, true);
        return out;
    }

    /** Whether any cell has a step time (none in a memory-only run, a config's {@code timing: off}). */
    static boolean anyStepTime(List<CellResult> cells) {
        return cells.stream().anyMatch(c -> c.stepMsMedian() != null);
    }

    /** What the time section says instead of a table of dashes when no cell was timed. */
    static String noStepTimes(List<CellResult> cells) {
        return cells.stream().anyMatch(c -> c.status() == CellStatus.OK)
                ? "Step times not measured: this run measured memory only (the config's timing: off); slowdown.csv's time"
                        + " columns are empty, never estimated."
                : "No cell has a step time.";
    }

    private static void note(List<Map<String, Object>> notes, String id, String text, boolean warning) {
        if (text != null) {
            notes.add(Map.of("id", id, "text", text, "warning", warning));
        }
    }

    private static void add(List<List<String>> rows, String k, String v) {
        rows.add(List.of(k, v == null ? "" : v));
    }

    /** The template data of a run. {@code charts} paths must lie under {@code runDir}. */
    public static Map<String, Object> model(Path runDir, RunManifest manifest, List<CellResult> cells, CellIndex index,
            MemoryTable memory, SlowdownTable slowdown, List<Charts.ChartFile> charts, List<String> files) {
        Map<String, Object> d = new HashMap<>();
        d.put("runId", manifest != null ? manifest.runId() : runDir.toAbsolutePath().normalize().getFileName().toString());
        d.put("configName", manifest != null ? manifest.configName() : "unknown");
        d.put("configHash", manifest != null ? manifest.configHash() : "no manifest");
        long ok = cells.stream().filter(c -> c.status() == CellStatus.OK).count();
        d.put("cellsTotal", manifest != null ? Math.max(manifest.cells().size(), cells.size()) : cells.size());
        d.put("cellsOk", ok);
        d.put("cellsOom", cells.stream().filter(c -> c.status() == CellStatus.OOM).count());
        d.put("cellsError", cells.stream().filter(c -> c.status() == CellStatus.ERROR).count());
        d.put("cellsUnsupported", cells.stream().filter(c -> c.status() == CellStatus.UNSUPPORTED).count());
        if (manifest != null) {
            var done = cells.stream().map(CellResult::key).toList();
            long missing = manifest.cells().stream().filter(k -> !done.contains(k)).count();
            d.put("cellsMissing", missing == 0 ? null : missing);
            d.put("missingShards", manifest.incomplete() ? String.join(", ", manifest.missingShards()) : null);
        }
        ReportTable mt = memory.display();
        ReportTable st = anyStepTime(cells) ? slowdown.display() : new ReportTable(List.of(), List.of());
        d.put("memoryTable", mt);
        d.put("memoryMarkdown", mt.isEmpty() ? "No cell has a memory figure.\n" : mt.markdown());
        d.put("slowdownTable", st);
        String noStepTimes = st.isEmpty() ? noStepTimes(cells) : null;
        d.put("slowdownMarkdown", noStepTimes != null ? noStepTimes + "\n" : st.markdown());
        d.put("noStepTimes", noStepTimes);
        ReportTable pt = PrecisionTable.of(cells).display();
        d.put("hasPrecisionTable", !pt.isEmpty());
        d.put("precisionTable", pt);
        d.put("precisionMarkdown", pt.markdown());
        d.put("timeNotes", timeNotes(manifest, cells));
        List<Map<String, Object>> ch = new ArrayList<>();
        for (Charts.ChartFile c : charts) {
            Map<String, Object> m = new HashMap<>();
            m.put("name", c.name());
            m.put("title", c.title());
            m.put("png", rel(runDir, c.png()));
            m.put("svg", rel(runDir, c.svg()));
            m.put("note", CHART_NOTES.getOrDefault(c.name(), ""));
            try {
                m.put("dataUri", Base64.getEncoder().encodeToString(Files.readAllBytes(c.png())));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read chart " + c.png() + ": " + e.getMessage(), e);
            }
            ch.add(m);
        }
        d.put("charts", ch);
        ReportTable sm = SeedComparison.memory(index);
        ReportTable stime = SeedComparison.time(index);
        d.put("seedMemory", sm);
        d.put("seedTime", stime);
        d.put("seedMemoryMarkdown", sm.markdown());
        d.put("seedTimeMarkdown", stime.markdown());
        d.put("seedNote", SeedComparison.note(index));
        d.put("seedAssumptions", List.of(
                "The seed's memory table does not state its segment count; it is taken as the guide's default "
                        + "(4 for CNNs and ConvNeXt, 12 = one per layer for ViT-B/16) and ours uses the same count.",
                "The seed's times are seconds of an unspecified workload; only the relative increase is comparable "
                        + "with our per-step increase.",
                "The seed reports GB without defining it; ours are GiB (2^30 bytes) of the memory method shown."));
        d.put("methods", methods());
        List<List<String>> failed = new ArrayList<>();
        for (CellResult c : cells) {
            if (c.status() != CellStatus.OK) {
                failed.add(List.of(c.key().id(), c.status().label(), c.message() == null ? "" : c.message()));
            }
        }
        ReportTable ft = new ReportTable(List.of("cell", "status", "message"), failed);
        d.put("hasFailedCells", !failed.isEmpty());
        d.put("failedTable", ft);
        d.put("failedMarkdown", ft.markdown());
        ReportTable et = environmentTable(manifest);
        d.put("environmentTable", et);
        d.put("environmentMarkdown", et.markdown());
        d.put("files", files);
        return d;
    }

    /**
     * The template data of the equal-memory section: its table, the sentences derived from it and what the cap is
     * compared with; null (no section) without an {@code equal-memory.csv}.
     */
    static Map<String, Object> equalMemory(EqualMemoryTable t) {
        if (t == null) {
            return null;
        }
        Map<String, Object> m = tableSection(t.display(), "No rows in equal-memory.csv.\n");
        m.put("verdicts", t.verdicts());
        return m;
    }

    /** The template data of the "PyTorch beside us" section; null (no section) in a run without a reference. */
    static Map<String, Object> reference(ReferenceTable t) {
        if (t == null) {
            return null;
        }
        Map<String, Object> m = tableSection(t.display(), "No cell of this run has been measured yet.\n");
        m.put("reasons", t.notAvailableReasons());
        return m;
    }

    /** A table section's template data: the table, and its Markdown or {@code whenEmpty}. */
    private static Map<String, Object> tableSection(ReportTable table, String whenEmpty) {
        Map<String, Object> m = new HashMap<>();
        m.put("table", table);
        m.put("markdown", table.isEmpty() ? whenEmpty : table.markdown());
        return m;
    }

    static String rel(Path runDir, Path p) {
        return runDir.toAbsolutePath().normalize().relativize(p.toAbsolutePath().normalize()).toString()
                .replace('\\', '/');
    }

    /** Renders a classpath template ({@code report-templates/<name>}); {@code html} selects HTML escaping. */
    public static String render(String template, Map<String, Object> data, boolean html) {
        DefaultMustacheFactory f = html ? new DefaultMustacheFactory(TEMPLATE_ROOT)
                : new DefaultMustacheFactory(TEMPLATE_ROOT) {
                    @Override
                    public void encode(String value, Writer writer) {
                        try {
                            writer.write(value); // Markdown: no HTML escaping
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                };
        Mustache m;
        try {
            m = f.compile(template);
        } catch (MustacheNotFoundException e) {
            throw new IllegalStateException("template " + TEMPLATE_ROOT + "/" + template
                    + " is not on the classpath (is report-templates/ packaged?)", e);
        }
        StringWriter w = new StringWriter();
        m.execute(w, data);
        return w.toString();
    }

    /** Writes report.md and report.html into the run directory, atomically; returns [md, html]. */
    public static List<Path> write(Path runDir, Map<String, Object> data) {
        return List.of(AtomicFiles.writeString(runDir.resolve(MD), render("report.md.mustache", data, false)),
                AtomicFiles.writeString(runDir.resolve(HTML), render("report.html.mustache", data, true)));
    }
}
