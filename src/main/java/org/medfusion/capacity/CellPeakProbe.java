package org.medfusion.capacity;

import org.medfusion.results.MemoryMethod;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.medfusion.bench.JmhLockTimeoutException;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;

/**
 * A {@link BatchProbe} that measures a real cell: the memory forks of the bench ({@code cpu.rss.peak} on CPU) at the
 * probed batch, with the mode's segments and split. Anything that goes wrong in a probe (out of memory, a crashed fork,
 * an error, the profile an optimal split needs failing) becomes a failed {@link ProbeResult}; only a busy machine
 * (JMH's lock held past its timeout) is thrown, since it says nothing about the cell.
 */
public final class CellPeakProbe implements BatchProbe {

    /** Measures one cell's memory only (e.g. {@code CellMeasurer::measureMemory}). */
    public interface MemoryMeasurer {
        CellResult measureMemory(CellKey key);
    }

    private final MemoryMeasurer measurer;
    private final Function<Integer, String> planner;
    private final String model;
    private final int res;
    private final int segments;
    private final CapacityMode mode;
    private final Precision precision;
    private final Device device;
    private final PrintWriter log;
    private final Map<Integer, String> plans = new HashMap<>();
    private MemoryMethod method;

    /**
     * @param planner the plan text the cell runs at a batch (for optimal: the planner's plan from that batch's profile,
     *     measured now when it is not cached); throws when it cannot be made
     * @param log one line per probe (may be null)
     */
    public CellPeakProbe(MemoryMeasurer measurer, Function<Integer, String> planner, String model, int res, int segments, CapacityMode mode,
            Precision precision, Device device, PrintWriter log) {
        this.measurer = measurer;
        this.planner = planner;
        this.model = model;
        this.res = res;
        this.segments = segments;
        this.mode = mode;
        this.precision = precision;
        this.device = device;
        this.log = log;
    }

    public CellKey key(int batch) {
        return new CellKey(model, batch, res, mode.segments(segments), mode.split(), precision, device);
    }

    @Override
    public ProbeResult probe(int batch) {
        ProbeResult r;
        try {
            plans.put(batch, mode.checkpointed() ? planner.apply(batch) : "");
            CellResult c = measurer.measureMemory(key(batch));
            if (c.memoryMethod() != null) {
                method = c.memoryMethod();
            }
            r = c.status() == CellStatus.OK ? new ProbeResult(batch, CellStatus.OK, c.peakBytes(), null)
                    : ProbeResult.failed(batch, c.status(), c.message());
        } catch (JmhLockTimeoutException e) {
            throw e;
        } catch (RuntimeException e) {
            r = ProbeResult.failed(batch, CellStatus.ERROR, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (log != null) {
            log.printf(Locale.ROOT, "  %s batch %d: %s%n", mode.label(), batch, r.status() == CellStatus.OK
                    ? (r.peakBytes() == null ? "no memory figure" : "peak " + org.medfusion.platform.ByteSize.mib(r.peakBytes()))
                    : r.status().label() + " (" + r.message() + ")");
            log.flush();
        }
        return r;
    }

    /** The plan the cell ran at a probed batch ("" for plain or a batch not probed). */
    public String planAt(int batch) {
        return plans.getOrDefault(batch, "");
    }

    /** The memory method of the probes that measured one (null when none did). */
    public MemoryMethod memoryMethod() {
        return method;
    }
}
