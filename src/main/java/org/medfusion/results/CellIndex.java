package org.medfusion.results;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import org.medfusion.checkpoint.Split;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The cells of ONE run grouped by {@link CellKey#plain()} (model, batch, res, precision, device), each group
 * mapping segment count to result (0 = no checkpointing). Savings and slowdowns are only computed inside a
 * group, so never across runs or machines. Also holds the figures derived from a plain/checkpointed pair.
 */
public final class CellIndex {

    /**
     * One row of the report's tables: the cells of one plain key (model, batch, res, precision, device) and one
     * split, by segment count; the plain cell (segment count 0) belongs to every split's group.
     */
    public record Group(CellKey plain, Split split) {
        static final Comparator<Group> ORDER = Comparator.comparing(Group::plain, CellKey.ORDER).thenComparing(Group::split);

        public String model() {
            return plain.model();
        }

        public int batch() {
            return plain.batch();
        }

        public int res() {
            return plain.res();
        }

        public Precision precision() {
            return plain.precision();
        }

        public Device device() {
            return plain.device();
        }

        public int accumulation() {
            return plain.accumulation();
        }
    }

    private final Map<Group, Map<Integer, CellResult>> groups = new TreeMap<>(Group.ORDER);
    private final List<Integer> segments;
    private final Map<CellKey, CellResult> plains = new HashMap<>();

    public CellIndex(List<CellResult> cells) {
        TreeSet<Integer> s = new TreeSet<>();
        for (CellResult r : cells) {
            if (r.key().segments() == 0) {
                plains.put(r.key(), r);
            } else {
                groups.computeIfAbsent(new Group(r.key().plain(), r.key().split()), g -> new TreeMap<>())
                        .put(r.key().segments(), r);
                s.add(r.key().segments());
            }
        }
        for (CellResult plain : plains.values()) {
            boolean placed = false;
            for (Map.Entry<Group, Map<Integer, CellResult>> e : groups.entrySet()) {
                if (e.getKey().plain().equals(plain.key())) {
                    e.getValue().put(0, plain);
                    placed = true;
                }
            }
            if (!placed) {
                groups.computeIfAbsent(new Group(plain.key(), Split.UNIFORM), g -> new TreeMap<>()).put(0, plain);
            }
        }
        segments = new ArrayList<>(s);
    }

    /** Cells grouped by plain key and split, each by segment count. */
    public Map<Group, Map<Integer, CellResult>> groups() {
        return java.util.Collections.unmodifiableMap(groups);
    }

    /** Every checkpointed segment count present, ascending. */
    public List<Integer> segments() {
        return segments;
    }

    public static boolean ok(CellResult r) {
        return r != null && r.status() == CellStatus.OK;
    }

    public static Long peak(CellResult r) {
        return ok(r) ? r.peakBytes() : null;
    }

    public static Double stepMedian(CellResult r) {
        return ok(r) ? r.stepMsMedian() : null;
    }

    /** 1 - ckpt/plain in percent, when both peaks exist with the same method and plain > 0. */
    public static Double savingPct(CellResult plain, CellResult ckpt) {
        Long p = peak(plain);
        Long c = peak(ckpt);
        if (p == null || c == null || p <= 0 || !java.util.Objects.equals(plain.memoryMethod(), ckpt.memoryMethod())) {
            return null;
        }
        return (1.0 - (double) c / p) * 100.0;
    }

    /** ckpt/plain - 1 of the step-time medians, in percent. */
    public static Double increasePct(CellResult plain, CellResult ckpt) {
        Double p = stepMedian(plain);
        Double c = stepMedian(ckpt);
        return p == null || c == null || p <= 0 ? null : (c / p - 1.0) * 100.0;
    }

    /**
     * 95% interval of the increase, in percent: the bootstrap interval of the ratio of the two cells' step-time
     * medians ({@link Stats#ratioOfMediansCi}) minus 1. {null, null} when a cell is not ok or has under 2 samples.
     */
    public static Double[] increaseBoundsPct(CellResult plain, CellResult ckpt) {
        if (!ok(plain) || !ok(ckpt)) {
            return new Double[] {null, null};
        }
        Stats.Interval r = Stats.ratioOfMediansCi(ckpt.stepMsSamples(), plain.stepMsSamples());
        return r == null ? new Double[] {null, null}
                : new Double[] {(r.low() - 1.0) * 100.0, (r.high() - 1.0) * 100.0};
    }

    /**
     * The paired increase, in percent: the median of the cell's per-step ratios (each checkpointed step over the plain
     * step run just before it in the same fork, {@link CellResult#pairedRatios()}) minus 1, with the distribution-free
     * 95% interval of that median ({@link Stats#summarize}). {null, null, null} when the cell has no paired steps.
     */
    public static Double[] pairedIncreasePct(CellResult ckpt) {
        if (!ok(ckpt) || ckpt.pairedRatios().isEmpty()) {
            return new Double[] {null, null, null};
        }
        Stats.Summary s = Stats.summarize(ckpt.pairedRatios());
        return new Double[] {(s.median() - 1.0) * 100.0, (s.ciLow() - 1.0) * 100.0, (s.ciHigh() - 1.0) * 100.0};
    }

    /** Coefficient of variation of an ok cell's step samples (fraction), null otherwise ({@link Stats#cv}). */
    public static Double stepCv(CellResult r) {
        return ok(r) ? Stats.cv(r.stepMsSamples()) : null;
    }

    /** (ckpt - plain) / recomputeForwardMs: 1.0 means the extra time is exactly the recomputed forward. */
    public static Double recomputeOverhead(CellResult plain, CellResult ckpt) {
        Double p = stepMedian(plain);
        Double c = stepMedian(ckpt);
        if (p == null || c == null || ckpt.recomputeForwardMs() == null || ckpt.recomputeForwardMs() <= 0) {
            return null;
        }
        return (c - p) / ckpt.recomputeForwardMs();
    }

    /** The plain cell (no checkpointing) of a cell's group, or null when the run has none. */
    public CellResult plainOf(CellKey key) {
        return plains.get(key.plain());
    }

    public CellResult get(Group group, int s) {
        Map<Integer, CellResult> g = groups.get(group);
        return g == null ? null : g.get(s);
    }

    /**
     * A short label of a group: the model, plus those of batch, resolution, precision and device that vary
     * between the groups of this run (conditions common to all groups are said once in the report).
     */
    public String label(Group group) {
        StringBuilder sb = new StringBuilder(group.model());
        if (varies(Group::batch)) {
            sb.append(" b").append(group.batch());
        }
        if (varies(Group::res)) {
            sb.append(' ').append(group.res()).append("px");
        }
        if (varies(Group::precision)) {
            sb.append(' ').append(group.precision().label());
        }
        if (varies(Group::device)) {
            sb.append(' ').append(group.device().label());
        }
        if (varies(Group::accumulation)) {
            sb.append(" acc").append(group.accumulation());
        }
        if (varies(Group::split)) {
            sb.append(' ').append(group.split().label()).append(" split");
        }
        return sb.toString();
    }

    private boolean varies(java.util.function.Function<Group, Object> f) {
        return groups.keySet().stream().map(f).distinct().count() > 1;
    }
}
