package org.medfusion.history;

import org.medfusion.results.MemoryMethod;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.medfusion.results.CellIndex;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;

/**
 * One time series per cell over the runs given (oldest first), with regressions marked against the previous
 * run that measured the same figure:
 * <ul>
 * <li>step time: the point's 95% CI lies entirely above the previous point's CI widened by the time tolerance
 * ({@code ciLow > prevCiHigh x (1 + tol)}), so noise inside both intervals never marks a point;</li>
 * <li>peak memory: {@code peak > prevPeak x (1 + tol)}, only when both used the same memory method.</li>
 * </ul>
 * Points are compared only with a previous run of the same environment key ({@link #environmentKey}): a new
 * machine starts a new baseline rather than a regression.
 */
public final class History {

    /**
     * Relative tolerances, in percent, and the memory floor in bytes (a peak is marked only when it grew beyond both:
     * {@link org.medfusion.gate.PeakGrowth}).
     */
    public record Tolerances(double memoryPct, long memoryFloorBytes, double timePct) {
        public static final Tolerances DEFAULT = new Tolerances(org.medfusion.gate.GateOptions.defaults().memoryTolerancePct(),
                org.medfusion.gate.GateOptions.defaults().memoryFloorBytes(), 5.0);

        public Tolerances {
            if (!(memoryPct >= 0) || !(timePct >= 0) || memoryFloorBytes < 0) {
                throw new IllegalArgumentException("tolerances must be >= 0 percent, got memory " + memoryPct + ", time " + timePct);
            }
        }
    }

    /** One run's figures of a cell; the figures are null when the cell was not ok in that run. */
    public record Point(HistoryRun run, CellResult cell, Long peakBytes, MemoryMethod memoryMethod, Double stepMedian,
            Double stepCiLow, Double stepCiHigh, Double stepCv, boolean memoryRegression, boolean timeRegression) {

        public boolean regression() {
            return memoryRegression || timeRegression;
        }
    }

    /** Every run's point of one cell, oldest first (runs without the cell have no point). */
    public record Series(CellKey key, List<Point> points) {
        public Point latest() {
            return points.get(points.size() - 1);
        }

        public long regressions() {
            return points.stream().filter(Point::regression).count();
        }
    }

    private final List<HistoryRun> runs;
    private final Tolerances tolerances;
    private final Map<CellKey, Series> series = new TreeMap<>(CellKey.ORDER);

    public History(List<HistoryRun> runs, Tolerances tolerances) {
        this.runs = List.copyOf(runs);
        this.tolerances = tolerances;
        Map<CellKey, List<Point>> pts = new TreeMap<>(CellKey.ORDER);
        for (HistoryRun run : this.runs) {
            for (CellResult c : run.cells()) {
                List<Point> l = pts.computeIfAbsent(c.key(), k -> new ArrayList<>());
                l.add(point(run, c, l));
            }
        }
        pts.forEach((k, l) -> series.put(k, new Series(k, Collections.unmodifiableList(l))));
    }

    public List<HistoryRun> runs() {
        return runs;
    }

    public Tolerances tolerances() {
        return tolerances;
    }

    public Map<CellKey, Series> series() {
        return Collections.unmodifiableMap(series);
    }

    /** CPU model, GPU and library versions: runs with different keys are not compared. */
    public static String environmentKey(HistoryRun run) {
        var e = run.manifest().environment();
        // step times at another libtorch thread count are another machine's, as far as a regression is concerned
        return e.cpuModel() + "|" + e.gpuName() + "|" + e.djlVersion() + "|" + e.libtorchVersion()
                + (e.intraOpThreads() == null ? "" : "|threads=" + e.intraOpThreads());
    }

    private Point point(HistoryRun run, CellResult c, List<Point> earlier) {
        boolean ok = CellIndex.ok(c);
        Long peak = ok ? c.peakBytes() : null;
        Double med = ok ? c.stepMsMedian() : null;
        Double lo = ok ? c.stepMsCiLow() : null;
        Double hi = ok ? c.stepMsCiHigh() : null;
        String env = environmentKey(run);
        Point prevMem = previous(earlier, env, p -> p.peakBytes() != null);
        Point prevTime = previous(earlier, env, p -> p.stepCiHigh() != null);
        boolean memReg = peak != null && prevMem != null && Objects.equals(prevMem.memoryMethod(), c.memoryMethod())
                && org.medfusion.gate.PeakGrowth.regressed(prevMem.peakBytes(), peak, tolerances.memoryPct(), tolerances.memoryFloorBytes());
        boolean timeReg = lo != null && prevTime != null && lo > prevTime.stepCiHigh() * (1.0 + tolerances.timePct() / 100.0);
        return new Point(run, c, peak, ok ? c.memoryMethod() : null, med, lo, hi, CellIndex.stepCv(c), memReg, timeReg);
    }

    private static Point previous(List<Point> earlier, String env, java.util.function.Predicate<Point> has) {
        for (int i = earlier.size() - 1; i >= 0; i--) {
            Point p = earlier.get(i);
            if (has.test(p) && environmentKey(p.run()).equals(env)) {
                return p;
            }
        }
        return null;
    }
}
