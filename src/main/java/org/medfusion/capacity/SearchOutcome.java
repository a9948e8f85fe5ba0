package org.medfusion.capacity;

import java.util.List;

/**
 * The result of a {@link LargestBatchSearch}.
 *
 * @param largestBatch the largest batch found to fit (0: not even batch 1 fits)
 * @param peakBytes the measured peak at that batch (null when it is 0)
 * @param reachedMaxBatch true when the largest batch is the search's upper limit, which fitted: the true largest
 *     batch may be larger
 * @param probes every probe in the order it was measured
 */
public record SearchOutcome(int largestBatch, Long peakBytes, boolean reachedMaxBatch, List<ProbeResult> probes) {

    public SearchOutcome {
        probes = List.copyOf(probes);
    }

    /** The probes as text, in measurement order: {@code 1:30000000 2:41000000 4:oom}. */
    public String probesText() {
        return String.join(" ", probes.stream().map(ProbeResult::text).toList());
    }
}
