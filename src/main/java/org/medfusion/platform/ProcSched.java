package org.medfusion.platform;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where a stretch of time went, from Linux's scheduler statistics: this process's CPU time and run-queue wait (sums of
 * every thread's {@code /proc/self/task/N/schedstat}), its page faults ({@code /proc/self/stat}), the CPU time of
 * every other process ({@code /proc/N/task/M/schedstat}) and the machine's steal time ({@code /proc/stat}). Two
 * snapshots around a training step say whether a slow step was descheduled (run-queue wait), displaced by someone
 * else (others' CPU, steal), faulting pages, or simply computing slower on the CPU it had.
 *
 * <p>A snapshot reads a few hundred small files (a few milliseconds): take it outside the timed code.
 *
 * <p>Times are kept per thread (id), so a thread that starts or ends between two snapshots (the JVM starts and stops
 * compiler threads as it likes) does not turn a sum negative: a difference counts the threads alive at the second
 * snapshot, from zero for those that started in between.
 *
 * @param own CPU time and run-queue wait (ns) of this process's threads, by thread id
 * @param others CPU time (ns) of all other processes' threads (kernel threads included), by thread id
 * @param minorFaults minor page faults of this process
 * @param majorFaults major page faults of this process
 * @param stealTicks steal time of the machine in clock ticks (USER_HZ, 100 per second on Linux)
 */
public record ProcSched(Map<Long, long[]> own, Map<Long, long[]> others, long minorFaults, long majorFaults, long stealTicks) {

    private static final Path PROC = Path.of("/proc");
    private static final long SELF = ProcessHandle.current().pid();
    /** Linux's USER_HZ, the unit of /proc/stat. */
    private static final double MS_PER_TICK = 10.0;

    /** Whether this machine has the files (Linux with schedstats). */
    public static boolean isAvailable() {
        return Files.isReadable(PROC.resolve("self/schedstat")) && Files.isReadable(PROC.resolve("stat"));
    }

    /** The statistics now. @throws IOException where /proc cannot be read */
    public static ProcSched now() throws IOException {
        Map<Long, long[]> own = new HashMap<>();
        Map<Long, long[]> others = new HashMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, p -> isPid(p.getFileName().toString()))) {
            for (Path p : procs) {
                boolean self = Long.parseLong(p.getFileName().toString()) == SELF;
                try (DirectoryStream<Path> tasks = Files.newDirectoryStream(p.resolve("task"))) {
                    for (Path t : tasks) {
                        long[] s = schedstat(t.resolve("schedstat"));
                        if (s == null) {
                            continue; // the thread ended meanwhile
                        }
                        Long tid = Long.parseLong(t.getFileName().toString());
                        (self ? own : others).put(tid, s);
                    }
                } catch (IOException e) {
                    // the process ended meanwhile (or is not ours to read): it is not this step's
                }
            }
        }
        String stat = Files.readString(PROC.resolve("self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields after the command: state(3) ... minflt(10) cminflt(11) majflt(12)
        long minflt = Long.parseLong(f[7]);
        long majflt = Long.parseLong(f[9]);
        CpuTicks ticks = CpuTicks.now();
        return new ProcSched(own, others, minflt, majflt, ticks == null ? 0 : ticks.steal());
    }

    /** What happened between {@code before} and this snapshot. */
    public Delta since(ProcSched before) {
        return new Delta(grown(own, before.own, 0) / 1e6, grown(own, before.own, 1) / 1e6, minorFaults - before.minorFaults,
                majorFaults - before.majorFaults, grown(others, before.others, 0) / 1e6, (stealTicks - before.stealTicks) * MS_PER_TICK);
    }

    /** The growth of field {@code i} summed over the threads alive now (from zero for threads born since). */
    private static long grown(Map<Long, long[]> now, Map<Long, long[]> before, int i) {
        long sum = 0;
        for (Map.Entry<Long, long[]> e : now.entrySet()) {
            long[] b = before.get(e.getKey());
            sum += e.getValue()[i] - (b == null ? 0 : b[i]);
        }
        return sum;
    }

    /** The difference of two snapshots, times in milliseconds (steal in 10 ms ticks). */
    public record Delta(double ownCpuMs, double ownWaitMs, long minorFaults, long majorFaults, double othersCpuMs, double stealMs) {
    }

    private static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static long[] schedstat(Path file) {
        try {
            String[] f = Files.readString(file).trim().split(" ");
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
