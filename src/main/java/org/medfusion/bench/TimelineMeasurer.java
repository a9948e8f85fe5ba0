package org.medfusion.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.platform.ChildJvm;
import org.medfusion.results.CellKey;
import org.medfusion.results.Timeline;

/**
 * Records a cell's memory timeline ({@code measure --timeline}, a config's {@code timeline: true}) in a child JVM of
 * its own ({@link TimelineRun}), started like a memory fork: the same JVM options, the environment of the device's
 * memory probes (on CPU {@code MALLOC_MMAP_THRESHOLD_} and, when {@code -Dmedfusion.allocCounter} names the counter
 * library, that counter preloaded), the run's native fallback, plan, weights and thread count. A fork of its own,
 * not a memory fork: the timeline's step is never one whose peak becomes the cell's figure.
 */
public final class TimelineMeasurer {

    /** Warm-up steps before the checks: on ResNet-18 b2 32 px the first six steps still move the counter's step peak by up to 1.6 % (JIT). */
    public static final int WARMUP = 6;
    /** Steps without the timeline before the recorded one, whose counter peaks the recorded step's is compared with. */
    public static final int CHECK_STEPS = 3;

    /** What the child printed, {@code key=value}, and the timeline it wrote. */
    public record Recorded(Path file, Timeline timeline, Map<String, String> figures) {

        /**
         * One line for the console: where the timeline went, its sentence, and the allocation counter's step peaks
         * without and with the timeline (the check that recording does not move the peak).
         */
        public String summary() {
            String off = figures.getOrDefault("step_peaks_off_bytes", "");
            String on = figures.getOrDefault("step_peak_on_bytes", "");
            String check = off.isBlank() || on.isBlank() ? "" : "; counter step peak without the timeline " + mibList(off)
                    + " MiB, with it " + mibList(on) + " MiB";
            return "timeline " + file + ": " + timeline.sentence() + check;
        }

        private static String mibList(String bytes) {
            return String.join(" ", java.util.Arrays.stream(bytes.trim().split("\\s+"))
                    .map(b -> org.medfusion.results.Fmt.mib(Long.valueOf(b))).toList());
        }
    }

    private final Path errorDir;
    private final Integer threads;
    private SegmentPlan explicitPlan;
    private Path weights;
    private Duration timeout = Duration.ofHours(1);

    /** @param errorDir where a crashed child's hs_err file goes */
    public TimelineMeasurer(Path errorDir, Integer threads) {
        this.errorDir = errorDir;
        this.threads = threads;
    }

    /** As {@link CellMeasurer#withExplicitPlan}: the plan a {@code split: optimal} cell runs instead of its own. */
    public TimelineMeasurer withExplicitPlan(SegmentPlan plan) {
        this.explicitPlan = plan;
        return this;
    }

    /** The torchvision weights the cell's model loads (null: random initialisation). */
    public TimelineMeasurer withWeights(Path file) {
        this.weights = file;
        return this;
    }

    public TimelineMeasurer withTimeout(Duration limit) {
        this.timeout = limit;
        return this;
    }

    /**
     * Records {@code key}'s timeline into {@code csv}.
     *
     * @throws IOException when the child fails, crashes or times out (the message says which)
     */
    public Recorded record(CellKey key, Path csv) throws IOException {
        List<String> jvmArgs = new ArrayList<>(StepTrace.jvmArgs()); // TrainingStepBenchmark's fork options, as a memory fork
        jvmArgs.add(org.medfusion.natives.Natives.forkJvmArg());
        if (threads != null) {
            jvmArgs.add(MeasureSettings.threadsJvmArg(threads));
        }
        if (explicitPlan != null) {
            jvmArgs.add(org.medfusion.planner.OptimalSplit.explicitPlanJvmArg(explicitPlan));
        }
        if (weights != null) {
            jvmArgs.add(TrainingCell.weightsJvmArg(weights));
        }
        ChildJvm child = ChildJvm.of(TimelineRun.class).jvmArgs(jvmArgs).args(List.of(key.model(), Integer.toString(key.batch()),
                Integer.toString(key.res()), Integer.toString(key.segments()), key.split().label(), key.precision().label(),
                key.device().label(), Integer.toString(key.accumulation()), Integer.toString(WARMUP), Integer.toString(CHECK_STEPS),
                csv.toAbsolutePath().toString())).errorDir(errorDir).timeout(timeout).what("recording the memory timeline of " + key.id());
        for (MemoryProbe p : MemoryProbes.forDevice(key.device())) {
            for (String kv : p.forkEnvironment()) {
                int eq = kv.indexOf('=');
                child.env(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        java.nio.file.Files.createDirectories(csv.toAbsolutePath().getParent());
        String output = child.runForOutput();
        Map<String, String> figures = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[a-z_]+")) {
                figures.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        String plan = figures.getOrDefault("plan", "");
        Timeline measured = Timeline.read(csv);
        Timeline timeline = org.medfusion.planner.TimelinePrediction.annotateFromCache(measured, key,
                plan.isBlank() ? null : SegmentPlan.parse(plan));
        if (timeline != measured) {
            timeline.write(csv);
        }
        return new Recorded(csv, timeline, figures);
    }

    /** Records {@code key}'s timeline into its place in {@code runDir} ({@link Timeline#file}). */
    public Recorded recordInRun(CellKey key, Path runDir) throws IOException {
        return record(key, Timeline.file(runDir, key.id()));
    }
}
