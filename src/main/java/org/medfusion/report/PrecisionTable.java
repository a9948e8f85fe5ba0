package org.medfusion.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.medfusion.results.CellIndex;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.Fmt;
import org.medfusion.results.Precision;

/**
 * What mixed precision does at each segment count: one row per cell of the run measured in both fp32 and amp
 * (same model, batch, resolution, device, split, accumulation and segment count) with both peaks, both step times
 * and amp / fp32 of each. The memory and time tables show the two precisions as separate rows, each relative to its
 * own plain cell; this table is where the two precisions meet. Empty when the run has only one precision.
 */
public final class PrecisionTable {

    /** One segment count of one configuration, in both precisions. */
    public record Row(CellKey fp32Key, CellResult fp32, CellResult amp) {
    }

    private final List<Row> rows = new ArrayList<>();

    private PrecisionTable(List<CellResult> cells) {
        Map<CellKey, CellResult> amp = new HashMap<>();
        for (CellResult c : cells) {
            if (c.key().precision() == Precision.AMP) {
                amp.put(asFp32(c.key()), c);
            }
        }
        cells.stream().filter(c -> c.key().precision() == Precision.FP32 && amp.containsKey(c.key()))
                .sorted((a, b) -> CellKey.ORDER.compare(a.key(), b.key()))
                .forEach(c -> rows.add(new Row(c.key(), c, amp.get(c.key()))));
    }

    private static CellKey asFp32(CellKey k) {
        return new CellKey(k.model(), k.batch(), k.res(), k.segments(), k.split(), Precision.FP32, k.device(), k.accumulation());
    }

    public static PrecisionTable of(List<CellResult> cells) {
        return new PrecisionTable(cells);
    }

    public List<Row> rows() {
        return rows;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /**
     * MiB and ms of both precisions and amp / fp32 of each; a ratio only when both cells are OK with a figure (peaks
     * also with the same memory method), else a dash.
     */
    public ReportTable display() {
        List<String> h = List.of("model", "batch", "res", "device", "split", "accumulation", "segments",
                "fp32 peak (MiB)", "amp peak (MiB)", "amp / fp32 peak", "fp32 step (ms)", "amp step (ms)", "amp / fp32 time");
        List<List<String>> body = new ArrayList<>();
        for (Row r : rows) {
            CellKey k = r.fp32Key();
            Long p32 = CellIndex.peak(r.fp32());
            Long pAmp = CellIndex.peak(r.amp());
            Double t32 = CellIndex.stepMedian(r.fp32());
            Double tAmp = CellIndex.stepMedian(r.amp());
            boolean sameMethod = Objects.equals(r.fp32().memoryMethod(), r.amp().memoryMethod());
            body.add(List.of(k.model(), Integer.toString(k.batch()), Integer.toString(k.res()), k.device().label(), k.split().label(),
                    Integer.toString(k.accumulation()), k.segments() == 0 ? "none" : Integer.toString(k.segments()),
                    GroupColumns.cellText(r.fp32(), Fmt.mib(p32)), GroupColumns.cellText(r.amp(), Fmt.mib(pAmp)),
                    ratio(sameMethod ? p32 : null, pAmp), GroupColumns.cellText(r.fp32(), Fmt.fixed(t32, 1)),
                    GroupColumns.cellText(r.amp(), Fmt.fixed(tAmp, 1)), ratio(t32, tAmp)));
        }
        return new ReportTable(h, body);
    }

    private static String ratio(Number fp32, Number amp) {
        if (fp32 == null || amp == null || fp32.doubleValue() <= 0) {
            return "–";
        }
        return Fmt.fixed(amp.doubleValue() / fp32.doubleValue(), 2) + "x";
    }
}
