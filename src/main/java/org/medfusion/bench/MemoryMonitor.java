package org.medfusion.bench;

import org.medfusion.platform.ProcMemory;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The seed guide's memory monitor ({@code print_memory_stats()}): one line with what this process holds now and
 * at its peak. On CPU: resident set size and its high-water mark since the process started (or since
 * {@link ProcMemory#resetHighWaterMark()}), from {@code /proc/self/status}. On CUDA: device-wide used bytes
 * (PyTorch's reserved memory plus the context) and, when the process runs with PyTorch's
 * {@code cudaMallocAsync} backend, the bytes PyTorch has allocated now and at peak, from the driver's pool. A figure
 * that cannot be read here is left out of the line (never printed as 0).
 */
public final class MemoryMonitor {

    /** What this process holds; null where this machine cannot tell. */
    public record Snapshot(Long residentBytes, Long peakResidentBytes, Long cudaUsedBytes, Long cudaAllocatedBytes,
            Long cudaPeakAllocatedBytes) {

        /** {@code Memory: cpu resident 812.3 MiB (peak 850.1 MiB); cuda used 1.2 GiB ...}. */
        public String line() {
            return "Memory: " + figures();
        }

        /** The line without its {@code Memory: } prefix. */
        public String figures() {
            StringBuilder sb = new StringBuilder();
            if (residentBytes != null) {
                sb.append("cpu resident ").append(human(residentBytes)).append(" (peak ").append(human(peakResidentBytes)).append(')');
            } else {
                sb.append("cpu resident not measurable here (no /proc/self/status)");
            }
            if (cudaUsedBytes != null) {
                sb.append("; cuda used ").append(human(cudaUsedBytes));
            }
            if (cudaAllocatedBytes != null) {
                sb.append(", allocated ").append(human(cudaAllocatedBytes)).append(" (peak ").append(human(cudaPeakAllocatedBytes)).append(')');
            }
            return sb.toString();
        }
    }

    private MemoryMonitor() {
    }

    /** Reads the figures now. */
    public static Snapshot snapshot() {
        Long rss = null;
        Long hwm = null;
        if (ProcMemory.isAvailable()) {
            rss = ProcMemory.rssBytes();
            hwm = ProcMemory.highWaterMarkBytes();
        }
        Long used = null;
        Long allocated = null;
        Long peakAllocated = null;
        if (CudaMemory.hasGpu()) {
            used = CudaMemory.deviceUsedBytes();
            if (CudaMemory.asyncAllocatorConfigured()) {
                CudaMemory.DefaultPool pool = CudaMemory.DefaultPool.open();
                allocated = pool.usedCurrent();
                peakAllocated = pool.usedHigh();
            }
        }
        return new Snapshot(rss, hwm, used, allocated, peakAllocated);
    }

    /** The monitor's line now. */
    public static String line() {
        return snapshot().line();
    }

    /** Prints the monitor's line to standard output. */
    public static void print() {
        print(System.out);
    }

    public static void print(PrintStream out) {
        out.println(line());
    }

    static String human(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30))
                : org.medfusion.platform.ByteSize.mib(bytes);
    }
}
