package org.medfusion.planner;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.results.CellKey;
import org.medfusion.results.Device;
import org.medfusion.results.Environment;
import org.medfusion.results.Precision;
import org.medfusion.results.Timeline;

/**
 * Puts the planner's predicted timeline ({@link MemoryModel#timeline}) beside a measured one: each measured event the
 * model has a figure for gets its prediction, matched by the event, its block and its segment. Only where the
 * prediction means the same thing as the measurement: a cached profile of the cell's configuration (CPU, fp32; never
 * measured here: profiling takes minutes and a timeline must not), one micro-batch (the model has no gradient
 * accumulation), and the plan the recorded step ran.
 */
public final class TimelinePrediction {

    private TimelinePrediction() {
    }

    /**
     * {@code measured} with the predictions of {@code model} for {@code plan}, or unchanged when the plan does not fit
     * the model's blocks.
     *
     * @param plan the plan the step ran; null for a plain step (one stored segment)
     */
    public static Timeline annotate(Timeline measured, MemoryModel model, SegmentPlan plan) {
        SegmentPlan ran = plan != null ? plan : SegmentPlan.of(List.of(new SegmentPlan.Range(0, model.blockCount())));
        if (ran.blockCount() != model.blockCount()) {
            return measured;
        }
        Map<String, Long> byEvent = new HashMap<>();
        for (MemoryModel.PredictedEvent p : model.timeline(ran)) {
            byEvent.put(key(p.event().label(), p.block(), p.segment()), p.peakAboveStartBytes());
        }
        return measured.withPredictions(e -> byEvent.get(key(e.kind(), e.block(), e.segment())));
    }

    /** {@link #annotate} with the cached profile of {@code cell}'s configuration, when the prediction applies (see the class). */
    public static Timeline annotateFromCache(Timeline measured, CellKey cell, SegmentPlan plan) {
        if (cell.accumulation() != 1 || cell.device() != Device.CPU || cell.precision() != Precision.FP32) {
            return measured;
        }
        Optional<ModelProfile> profile = ProfileCache.standard().cached(
                new ProfileKey(cell.model(), cell.batch(), cell.res(), cell.precision(), cell.device()), Environment.detect());
        return profile.map(p -> annotate(measured, p.memoryModel(), plan)).orElse(measured);
    }

    private static String key(String kind, int block, int segment) {
        return kind + "|" + block + "|" + segment;
    }
}
