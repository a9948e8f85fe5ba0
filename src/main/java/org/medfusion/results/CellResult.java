package org.medfusion.results;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything measured for one cell. Missing figures are null (never invented): a memory figure the
 * machine cannot measure, or every figure of a cell that ran out of memory. Built with {@link #builder}; the figures
 * are grouped by what they measure, and {@link CellJson} writes them as one flat object.
 *
 * @param key the cell
 * @param family the model's family (e.g. {@code resnet})
 * @param status the outcome
 * @param memory the peak memory figures ({@link Memory#NONE} when none were measured)
 * @param timing the step time figures ({@link Timing#NONE} when none were measured)
 * @param message error text for status ERROR / OOM / UNSUPPORTED
 */
public record CellResult(CellKey key, String family, CellStatus status, Memory memory, Timing timing, String message) {

    public CellResult {
        memory = memory == null ? Memory.NONE : memory;
        timing = timing == null ? Timing.NONE : timing;
    }

    /**
     * The peak memory of one training step.
     *
     * @param peakBytes peak memory of one training step above the steady state, in bytes
     * @param method how {@code peakBytes} was measured (null without a peak)
     * @param repeats every peak measured (one per memory fork), for the reproducibility check
     */
    public record Memory(Long peakBytes, MemoryMethod method, List<Long> repeats) {

        /** No memory figure. */
        public static final Memory NONE = new Memory(null, null, List.of());

        public Memory {
            repeats = repeats == null ? List.of() : List.copyOf(repeats);
        }
    }

    /**
     * The time of one training step.
     *
     * @param samples raw step times (ms), one per measured training step
     * @param median median of the samples
     * @param ciLow lower bound of the 95% confidence interval of the median
     * @param ciHigh upper bound of that interval
     * @param pairedPlainSamples for a checkpointed cell, the time (ms) of a plain step run in the same timing fork just
     *     before each measured checkpointed step (checkpointing switched off for it, the same model and batch): element
     *     i pairs with {@code samples[i]}, so their ratio is free of the fork's and the machine's speed. Empty for
     *     plain cells and for cells measured before paired steps existed.
     * @param recomputeForwardMs forward time (ms) of the segments a checkpointed step recomputes (segments 0..S-2);
     *     null for plain cells
     * @param recomputeForkMs each recompute fork's median (ms), in the order the forks ran: the spread behind
     *     {@code recomputeForwardMs}, which is their median. More forks than the protocol's three mean the first three
     *     disagreed and the recompute was timed again. Empty for plain cells and cells measured before it was kept
     * @param chainForwardForkMs each recompute fork's median time (ms) of the whole chain's forward with grad, timed in
     *     that fork before each measured recompute call, aligned with {@code recomputeForkMs}: the speed each fork ran
     *     at. Only {@code plan --sweep} times it (it reads predicted recomputes at the profile's speed); empty otherwise
     */
    public record Timing(List<Double> samples, Double median, Double ciLow, Double ciHigh, List<Double> pairedPlainSamples,
            Double recomputeForwardMs, List<Double> recomputeForkMs, List<Double> chainForwardForkMs) {

        /** No time figure. */
        public static final Timing NONE = new Timing(List.of(), null, null, null, List.of(), null, List.of(), List.of());

        public Timing {
            samples = samples == null ? List.of() : List.copyOf(samples);
            pairedPlainSamples = pairedPlainSamples == null ? List.of() : List.copyOf(pairedPlainSamples);
            recomputeForkMs = recomputeForkMs == null ? List.of() : List.copyOf(recomputeForkMs);
            chainForwardForkMs = chainForwardForkMs == null ? List.of() : List.copyOf(chainForwardForkMs);
            if (!chainForwardForkMs.isEmpty() && chainForwardForkMs.size() != recomputeForkMs.size()) {
                throw new IllegalArgumentException("chain forward forks (" + chainForwardForkMs.size()
                        + ") must pair one to one with the recompute forks (" + recomputeForkMs.size() + ")");
            }
            if (!pairedPlainSamples.isEmpty() && pairedPlainSamples.size() != samples.size()) {
                throw new IllegalArgumentException("paired plain samples (" + pairedPlainSamples.size()
                        + ") must pair one to one with the step samples (" + samples.size() + ")");
            }
        }
    }

    /** A builder of a cell with the given key, family and status, and no figures yet. */
    public static Builder builder(CellKey key, String family, CellStatus status) {
        return new Builder(key, family, status);
    }

    /** A builder holding this cell's values, to change some of them. */
    public Builder toBuilder() {
        return new Builder(key, family, status).memory(memory).timing(timing).message(message);
    }

    public Long peakBytes() {
        return memory.peakBytes();
    }

    public MemoryMethod memoryMethod() {
        return memory.method();
    }

    public List<Long> memoryRepeats() {
        return memory.repeats();
    }

    public List<Double> stepMsSamples() {
        return timing.samples();
    }

    public Double stepMsMedian() {
        return timing.median();
    }

    public Double stepMsCiLow() {
        return timing.ciLow();
    }

    public Double stepMsCiHigh() {
        return timing.ciHigh();
    }

    public List<Double> pairedPlainMsSamples() {
        return timing.pairedPlainSamples();
    }

    public Double recomputeForwardMs() {
        return timing.recomputeForwardMs();
    }

    public List<Double> recomputeForkMs() {
        return timing.recomputeForkMs();
    }

    public List<Double> chainForwardForkMs() {
        return timing.chainForwardForkMs();
    }

    /**
     * The paired slowdown samples: each checkpointed step over the plain step run just before it in the same fork;
     * empty when the cell has no paired plain steps.
     */
    public List<Double> pairedRatios() {
        List<Double> plain = timing.pairedPlainSamples();
        List<Double> out = new ArrayList<>(plain.size());
        for (int i = 0; i < plain.size(); i++) {
            out.add(timing.samples().get(i) / plain.get(i));
        }
        return out;
    }

    /** This result with another message (a failed cell's explanation reworded for where it is shown). */
    public CellResult withMessage(String text) {
        return toBuilder().message(text).build();
    }

    public static CellResult failed(CellKey key, String family, CellStatus status, String message) {
        return builder(key, family, status).message(message).build();
    }

    /** Builds a {@link CellResult} figure by figure; what is not set is missing (null, or an empty list). */
    public static final class Builder {
        private CellKey key;
        private final String family;
        private final CellStatus status;
        private Long peakBytes;
        private MemoryMethod memoryMethod;
        private List<Long> memoryRepeats = List.of();
        private List<Double> stepMsSamples = List.of();
        private Double stepMsMedian;
        private Double stepMsCiLow;
        private Double stepMsCiHigh;
        private List<Double> pairedPlainMsSamples = List.of();
        private Double recomputeForwardMs;
        private List<Double> recomputeForkMs = List.of();
        private List<Double> chainForwardForkMs = List.of();
        private String message;

        private Builder(CellKey key, String family, CellStatus status) {
            this.key = key;
            this.family = family;
            this.status = status;
        }

        /** Another key (the same figures filed under another cell). */
        public Builder key(CellKey k) {
            key = k;
            return this;
        }

        public Builder memory(Memory m) {
            return peak(m.peakBytes(), m.method()).memoryRepeats(m.repeats());
        }

        /** The peak and how it was measured. */
        public Builder peak(Long bytes, MemoryMethod method) {
            peakBytes = bytes;
            memoryMethod = method;
            return this;
        }

        public Builder memoryRepeats(List<Long> v) {
            memoryRepeats = v;
            return this;
        }

        public Builder timing(Timing t) {
            return stepMsSamples(t.samples()).stepMs(t.median(), t.ciLow(), t.ciHigh())
                    .pairedPlainMsSamples(t.pairedPlainSamples()).recomputeForwardMs(t.recomputeForwardMs()).recomputeForkMs(t.recomputeForkMs())
                    .chainForwardForkMs(t.chainForwardForkMs());
        }

        public Builder stepMsSamples(List<Double> v) {
            stepMsSamples = v;
            return this;
        }

        /** The median step time and the bounds of its 95% confidence interval. */
        public Builder stepMs(Double median, Double ciLow, Double ciHigh) {
            stepMsMedian = median;
            stepMsCiLow = ciLow;
            stepMsCiHigh = ciHigh;
            return this;
        }

        /** The samples and their summary ({@link Stats#summarize}). */
        public Builder stepMs(List<Double> samples, Stats.Summary summary) {
            return stepMsSamples(samples).stepMs(summary.median(), summary.ciLow(), summary.ciHigh());
        }

        public Builder pairedPlainMsSamples(List<Double> v) {
            pairedPlainMsSamples = v;
            return this;
        }

        public Builder recomputeForwardMs(Double v) {
            recomputeForwardMs = v;
            return this;
        }

        public Builder recomputeForkMs(List<Double> v) {
            recomputeForkMs = v;
            return this;
        }

        public Builder chainForwardForkMs(List<Double> v) {
            chainForwardForkMs = v;
            return this;
        }

        public Builder message(String v) {
            message = v;
            return this;
        }

        public CellResult build() {
            return new CellResult(key, family, status, new Memory(peakBytes, memoryMethod, memoryRepeats),
                    new Timing(stepMsSamples, stepMsMedian, stepMsCiLow, stepMsCiHigh, pairedPlainMsSamples, recomputeForwardMs,
                            recomputeForkMs, chainForwardForkMs),
                    message);
        }
    }
}
