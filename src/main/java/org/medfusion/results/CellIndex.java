package org.medfusion.results;

import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import java.util.ArrayList;
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

    private final Map<CellKey, Map<Integer, CellResult>> groups = new TreeMap<>(CellKey.ORDER);
    private final List<Integer> segments;

    public CellIndex(List<CellResult> cells) {
        TreeSet<Integer> s = new TreeSet<>();
        for (CellResult r : cells) {
            groups.computeIfAbsent(r.key().plain(), g -> new TreeMap<>()).put(r.key().segments(), r);
            if (r.key().segments() > 0) {
                s.add(r.key().segments());
            }
        }
        segments = new ArrayList<>(s);
    }

    /** Cells grouped by their plain key (model, batch, res, precision, device), each by segment count. */
    public Map<CellKey, Map<Integer, CellResult>> groups() {
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

    /** Conservative bounds of the increase: ckptLow/plainHigh - 1 and ckptHigh/plainLow - 1, in percent. */
    public static Double[] increaseBoundsPct(CellResult plain, CellResult ckpt) {
        if (!ok(plain) || !ok(ckpt) || plain.stepMsCiLow() == null || plain.stepMsCiHigh() == null
                || ckpt.stepMsCiLow() == null || ckpt.stepMsCiHigh() == null || plain.stepMsCiLow() <= 0) {
            return new Double[] {null, null};
        }
        return new Double[] {(ckpt.stepMsCiLow() / plain.stepMsCiHigh() - 1.0) * 100.0,
                (ckpt.stepMsCiHigh() / plain.stepMsCiLow() - 1.0) * 100.0};
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

    public CellResult get(CellKey group, int s) {
        Map<Integer, CellResult> g = groups.get(group);
        return g == null ? null : g.get(s);
    }

    /**
     * A short label of a group: the model, plus those of batch, resolution, precision and device that vary
     * between the groups of this run (conditions common to all groups are said once in the report).
     */
    public String label(CellKey group) {
        StringBuilder sb = new StringBuilder(group.model());
        if (varies(CellKey::batch)) {
            sb.append(" b").append(group.batch());
        }
        if (varies(CellKey::res)) {
            sb.append(' ').append(group.res()).append("px");
        }
        if (varies(CellKey::precision)) {
            sb.append(' ').append(group.precision());
        }
        if (varies(CellKey::device)) {
            sb.append(' ').append(group.device());
        }
        return sb.toString();
    }

    private boolean varies(java.util.function.Function<CellKey, Object> f) {
        return groups.keySet().stream().map(f).distinct().count() > 1;
    }
}
