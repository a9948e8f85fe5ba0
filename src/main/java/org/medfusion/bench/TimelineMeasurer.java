package org.medfusion.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medfusion.platform.GlibcMalloc;
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
 *
 * <p>The events' durations come from a second child, started like a timing fork (its JVM options and allocator
 * environment, no counter): {@link #TIMED_STEPS} recorded steps, each event's median. A memory fork's environment
 * ({@code MALLOC_MMAP_THRESHOLD_=65536}: every tensor above 64 KiB is mapped and faulted in afresh) makes a step several
 * times slower than it is (ResNet-18 b16 112 px s4: 3.6 s against the timing fork's 0.28 s), so the memory child's own
 * times would say where the page faults go, not where checkpointing's time goes.
 */
public final class TimelineMeasurer {

    /** Warm-up steps before the checks: on ResNet-18 b2 32 px the first six steps still move the counter's step peak by up to 1.6 % (JIT). */
    public static final int WARMUP = 6;
    /**
     * Steps without the timeline, alternating with as many recorded ones (the file holds the last): the median counter
     * peaks of the two are compared. Five each, as one step's peak moves by up to 2.4 % on a loaded 2-core VM
     * (ResNet-18 b2 32 px: 44.6 to 46.4 MiB; the counter sees the JIT's and the GC's mallocs too).
     */
    public static final int CHECK_STEPS = 5;
    /** Steps the timing child records; each event's duration is their median. */
    public static final int TIMED_STEPS = 5;

    /** What the child printed, {@code key=value}, and the timeline it wrote. */
    public record Recorded(Path file, Timeline timeline, Map<String, String> figures) {

        /**
         * One line for the console: where the timeline went, its sentence, and the allocation counter's step peaks
         * without and with the timeline (the check that recording does not move the peak).
         */
        public String summary() {
            String off = figures.getOrDefault("step_peaks_off_bytes", "");
            String on = figures.getOrDefault("step_peaks_on_bytes", "");
            String check = off.isBlank() || on.isBlank() ? "" : "; counter step peak without the timeline " + mibList(off)
                    + " MiB, with it " + mibList(on) + " MiB";
            String time = figures.containsKey("durations") ? ". Time (" + figures.get("durations") + "): " + timeline.timeSentence() : "";
            return "timeline " + file + ": " + timeline.sentence() + check + time;
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
    private boolean timedDurations = true;

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

    /** Whether a timing child gives the events' durations (default); without it they are the memory child's own. */
    public TimelineMeasurer withTimedDurations(boolean timed) {
        this.timedDurations = timed;
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
        ChildJvm memory = child(key, csv, CHECK_STEPS, CHECK_STEPS).what("recording the memory timeline of " + key.id());
        for (MemoryProbe p : MemoryProbes.forDevice(key.device())) {
            for (String kv : p.forkEnvironment()) {
                int eq = kv.indexOf('=');
                memory.env(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        java.nio.file.Files.createDirectories(csv.toAbsolutePath().getParent());
        String output = memory.runForOutput();
        Map<String, String> figures = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[a-z_]+")) {
                figures.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        Timeline measured = Timeline.read(csv);
        if (timedDurations) {
            measured = withTimedDurations(key, csv, measured);
            figures.put("durations", "median of " + TIMED_STEPS + " steps in a timing fork's environment");
        }
        String plan = figures.getOrDefault("plan", "");
        Timeline timeline = org.medfusion.planner.TimelinePrediction.annotateFromCache(measured, key,
                plan.isBlank() ? null : SegmentPlan.parse(plan));
        timeline.write(csv);
        return new Recorded(csv, timeline, figures);
    }

    /** {@code recorded} with each event's duration from the timing child (its own file, deleted afterwards). */
    private Timeline withTimedDurations(CellKey key, Path csv, Timeline recorded) throws IOException {
        Path timedCsv = csv.resolveSibling("timeline-timed.csv");
        ChildJvm timing = child(key, timedCsv, 0, TIMED_STEPS).what("timing the timeline of " + key.id());
        GlibcMalloc.TIMING.applyTo(timing);
        try {
            timing.runForOutput();
            return recorded.withDurationsOf(Timeline.read(timedCsv));
        } catch (IllegalArgumentException e) {
            throw new IOException("the timed steps of " + key.id() + " are not the recorded step's events: " + e.getMessage(), e);
        } finally {
            java.nio.file.Files.deleteIfExists(timedCsv);
        }
    }

    /** A {@link TimelineRun} child for {@code key}: {@code check} steps without the timeline, then {@code recorded} with it. */
    private ChildJvm child(CellKey key, Path csv, int check, int recorded) {
        List<String> jvmArgs = new ArrayList<>(StepTrace.jvmArgs()); // TrainingStepBenchmark's fork options
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
        return ChildJvm.of(TimelineRun.class).jvmArgs(jvmArgs).args(List.of(key.model(), Integer.toString(key.batch()),
                Integer.toString(key.res()), Integer.toString(key.segments()), key.split().label(), key.precision().label(),
                key.device().label(), Integer.toString(key.accumulation()), Integer.toString(WARMUP), Integer.toString(check),
                csv.toAbsolutePath().toString(), Integer.toString(recorded))).errorDir(errorDir).timeout(timeout);
    }

    /** Records {@code key}'s timeline into its place in {@code runDir} ({@link Timeline#file}). */
    public Recorded recordInRun(CellKey key, Path runDir) throws IOException {
        return record(key, Timeline.file(runDir, key.id()));
    }
}
