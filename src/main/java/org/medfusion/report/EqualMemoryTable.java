package org.medfusion.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.medfusion.capacity.CapacityMode;
import org.medfusion.capacity.EqualMemoryRow;
import org.medfusion.results.Fmt;

/**
 * The equal-memory table ({@code equal-memory.csv}) as the report and the console show it, and the sentences that say,
 * per cap, whether checkpointing bought throughput through a larger batch: derived from the measured numbers only
 * (a throughput counts as higher or lower only where the 95% intervals do not overlap).
 */
public final class EqualMemoryTable {

    /** The rows of one comparison: a model at a resolution, precision and device under one cap. */
    public record Group(String model, int res, String precision, String device, long capBytes) {

        public String label() {
            return model + " " + res + " px @ " + Fmt.mib(capBytes) + " MiB";
        }
    }

    private final Map<Group, Map<CapacityMode, EqualMemoryRow>> groups;

    private EqualMemoryTable(Map<Group, Map<CapacityMode, EqualMemoryRow>> groups) {
        this.groups = groups;
    }

    public static EqualMemoryTable of(List<EqualMemoryRow> rows) {
        Map<Group, Map<CapacityMode, EqualMemoryRow>> g = new LinkedHashMap<>();
        for (EqualMemoryRow r : rows) {
            g.computeIfAbsent(new Group(r.model(), r.res(), r.precision(), r.device(), r.capBytes()), k -> new LinkedHashMap<>()).put(r.mode(), r);
        }
        return new EqualMemoryTable(g);
    }

    public Map<Group, Map<CapacityMode, EqualMemoryRow>> groups() {
        return groups;
    }

    public boolean isEmpty() {
        return groups.isEmpty();
    }

    public ReportTable display() {
        List<String> header = List.of("model", "res", "cap MiB", "mode", "segments", "largest batch", "peak MiB", "step ms [95% CI]",
                "samples/s [95% CI]", "probes", "model state MiB (computed)");
        List<List<String>> rows = new ArrayList<>();
        for (Map<CapacityMode, EqualMemoryRow> g : groups.values()) {
            for (EqualMemoryRow r : g.values()) {
                rows.add(List.of(r.model(), Integer.toString(r.res()), Fmt.mib(r.capBytes()), r.mode().label(),
                        r.mode().checkpointed() ? Integer.toString(r.segments()) : "-", batchText(r), Fmt.mib(r.peakBytes()),
                        r.stepMsMedian() == null ? r.timeNote() : Fmt.fixed(r.stepMsMedian(), 1) + " [" + Fmt.fixed(r.stepMsCiLow(), 1) + ", "
                                + Fmt.fixed(r.stepMsCiHigh(), 1) + "]",
                        r.throughput() == null ? "" : Fmt.fixed(r.throughput(), 2) + " [" + Fmt.fixed(r.throughputCiLow(), 2) + ", "
                                + Fmt.fixed(r.throughputCiHigh(), 2) + "]",
                        Integer.toString(r.probes().isBlank() ? 0 : r.probes().split(" ").length), Fmt.mib(r.modelStateBytes())));
            }
        }
        return new ReportTable(header, rows);
    }

    /** Fixed-width table for the terminal, then one sentence per checkpointed mode and cap. */
    public String console() {
        StringBuilder sb = new StringBuilder(display().fixedWidth());
        verdicts().forEach(v -> sb.append("- ").append(v).append('\n'));
        return sb.toString();
    }

    private static String batchText(EqualMemoryRow r) {
        if (r.largestBatch() == 0) {
            String batch1 = java.util.Arrays.stream(r.probes().split(" ")).filter(t -> t.startsWith("1:")).findFirst().orElse("");
            boolean failed = batch1.endsWith(":error") || batch1.endsWith(":crash");
            // a batch-1 probe can fail for reasons other than memory (BatchNorm needs 2+ values per channel in training)
            return failed ? "0 (batch 1 failed: " + batch1.substring(2) + ", not a memory figure; see the probes)" : "0 (nothing fits)";
        }
        return (r.reachedMaxBatch() ? ">= " : "") + r.largestBatch();
    }

    /** Per cap and checkpointed mode: does checkpointing buy throughput through a larger batch here, and why (not). */
    public List<String> verdicts() {
        List<String> out = new ArrayList<>();
        for (var e : groups.entrySet()) {
            EqualMemoryRow plain = e.getValue().get(CapacityMode.PLAIN);
            for (EqualMemoryRow c : e.getValue().values()) {
                if (c.mode().checkpointed()) {
                    out.add(e.getKey().label() + ", " + c.mode().label() + " split, " + c.segments() + " segments: " + verdict(plain, c));
                }
            }
        }
        return out;
    }

    static String verdict(EqualMemoryRow plain, EqualMemoryRow c) {
        if (plain == null) {
            return "no plain row at this cap, nothing to compare with.";
        }
        int pb = plain.largestBatch();
        int cb = c.largestBatch();
        if (cb == 0) {
            return pb == 0 ? "nothing fits, with or without checkpointing." : "not even batch 1 fits, while batch " + pb + " fits without checkpointing.";
        }
        if (pb == 0) {
            return "without checkpointing not even batch 1 fits; with it batch " + cb + " fits"
                    + (c.throughput() == null ? "" : String.format(Locale.ROOT, " (%.2f samples/s)", c.throughput()))
                    + ": checkpointing makes the model trainable under this cap.";
        }
        if (cb <= pb || plain.reachedMaxBatch()) {
            return "the largest batch is " + batchText(c) + " against " + batchText(plain) + " without checkpointing: no larger batch,"
                    + " so checkpointing cannot buy throughput here"
                    + (cb < pb ? " (it fits a smaller batch)." : ".");
        }
        String batches = String.format(Locale.ROOT, "the largest batch grows from %d to %s (x%.2f)", pb, batchText(c), (double) cb / pb);
        if (plain.throughput() == null || c.throughput() == null) {
            return batches + "; throughput not measured, so whether that buys throughput is unknown.";
        }
        String tp = String.format(Locale.ROOT, "%.2f -> %.2f samples/s (%+.1f%%)", plain.throughput(), c.throughput(),
                (c.throughput() / plain.throughput() - 1) * 100);
        if (c.throughputCiLow() != null && plain.throughputCiHigh() != null && c.throughputCiLow() > plain.throughputCiHigh()) {
            return batches + " and buys throughput: " + tp + ", 95% intervals apart.";
        }
        if (c.throughputCiHigh() != null && plain.throughputCiLow() != null && c.throughputCiHigh() < plain.throughputCiLow()) {
            return batches + " but throughput falls: " + tp + ", 95% intervals apart: the recompute costs more than the larger batch gains.";
        }
        return batches + "; throughput " + tp + ", 95% intervals overlap: no measurable gain or loss.";
    }
}
