package org.medfusion.bench;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.medfusion.checkpoint.StepRecorder;
import org.medfusion.results.Device;
import org.medfusion.results.Timeline;

/**
 * The child JVM that records one cell's memory timeline ({@link TimelineMeasurer} starts it): it runs with a memory
 * fork's JVM options and environment (the allocation counter preloaded when the launcher names one), builds the same
 * {@link TrainingCell}, runs the warm-up steps, then {@code check} steps with the timeline off alternating with the
 * recorded steps (the timeline on), and writes the last recorded step's {@link Timeline} to the file named. On stdout,
 * one {@code key=value} line each: the source, the timeline's maximum above the step's start, and the counter's step
 * peak of each step without and of each step with the timeline (the probe's way: high-water mark minus the bytes in use
 * before the step), which shows that recording does not move the peak it measures.
 */
public final class TimelineRun {

    private TimelineRun() {
    }

    /**
     * Arguments: model batch res segments split precision device accumulation warmup check out.csv [recorded]. With
     * {@code recorded} steps (default 1), the file holds the last one with each event's duration the median over them
     * (how {@link TimelineMeasurer} times a timeline).
     */
    public static void main(String[] args) {
        if (args.length != 11 && args.length != 12) {
            throw new IllegalArgumentException("usage: TimelineRun model batch res segments split precision device accumulation warmup check "
                    + "out.csv [recorded]");
        }
        int recordedSteps = args.length == 12 ? Integer.parseInt(args[11]) : 1;
        TrainingCell cell = TrainingCell.fromArgs(args);
        cell.accumulation = Integer.parseInt(args[7]);
        int warmup = Integer.parseInt(args[8]);
        int check = Integer.parseInt(args[9]);
        Path out = Path.of(args[10]);
        cell.setUp();
        try {
            for (int i = 0; i < warmup; i++) {
                cell.trainingStep();
            }
            cell.measuring = true;
            AllocationCounter counter = Device.parse(cell.device) == Device.CPU ? AllocationCounter.ifPreloaded() : null;
            List<NDArray> batch = new ArrayList<>(List.of(cell.images, cell.labels));
            if (cell.forwardImages != cell.images) {
                batch.add(cell.forwardImages);
            }
            StepStateBytes state = StepStateBytes.measure(cell.backbone.blocks(), cell.step.optimizer(), batch);
            // steps without and with the timeline alternate, so a drift of the step peak over steps (the allocator's,
            // the JIT's) lands on both sides alike: on a loaded 2-core VM three checks in a row then the recorded step
            // read 47.51, 47.47, 47.47 then 46.97 MB
            List<Long> off = new ArrayList<>();
            List<Long> on = new ArrayList<>();
            List<Timeline> recorded = new ArrayList<>();
            for (int i = 0; i < Math.max(check, recordedSteps); i++) {
                if (i < check) {
                    long before = resetPeak(counter);
                    cell.trainingStep();
                    if (counter != null) {
                        off.add(counter.peak() - before);
                    }
                }
                if (i < recordedSteps) {
                    TimelineRecorder recorder = new TimelineRecorder(TimelineSource.forThisProcess(Device.parse(cell.device)), state,
                            TimelineRecorder.capacityFor(cell.backbone.blockCount(), cell.accumulation));
                    cell.backbone.sequence().setRecorder(recorder);
                    cell.step.setRecorder(recorder);
                    long before = resetPeak(counter);
                    recorder.begin();
                    cell.trainingStep();
                    if (counter != null) {
                        on.add(counter.peak() - before);
                    }
                    cell.backbone.sequence().setRecorder(StepRecorder.OFF);
                    cell.step.setRecorder(StepRecorder.OFF);
                    recorded.add(recorder.timeline());
                }
            }
            Timeline timeline = Timeline.withMedianDurations(recorded);
            timeline.write(out);
            System.out.println("source=" + timeline.source());
            System.out.println("timeline_max_above_start_bytes=" + text(timeline.peakAboveStart()));
            System.out.println("step_peaks_off_bytes=" + String.join(" ", off.stream().map(String::valueOf).toList()));
            System.out.println("step_peaks_on_bytes=" + String.join(" ", on.stream().map(String::valueOf).toList()));
            System.out.println("recorded_steps=" + recordedSteps);
            System.out.println("peak_event=" + (timeline.peakEvent() == null ? "" : timeline.peakEvent().describe()));
            System.out.println(String.format(Locale.ROOT, "events=%d", timeline.events().size()));
            org.medfusion.checkpoint.SegmentPlan plan = cell.backbone.sequence().plan();
            System.out.println("plan=" + (plan == null ? "" : plan.spec())); // empty: the plain step
        } finally {
            cell.tearDown();
        }
    }

    private static long resetPeak(AllocationCounter counter) {
        if (counter == null) {
            return 0;
        }
        counter.resetPeak();
        return counter.current();
    }

    private static String text(Long v) {
        return v == null ? "" : v.toString();
    }
}
