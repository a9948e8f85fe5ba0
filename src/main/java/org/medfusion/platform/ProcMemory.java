package org.medfusion.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process from Linux's {@code /proc/self}: {@code VmRSS} (now) and
 * {@code VmHWM} (the high-water mark), and the reset of that mark by writing {@code 5} to
 * {@code /proc/self/clear_refs}. Together they give the peak resident growth of a stretch of code.
 */
public final class ProcMemory {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private ProcMemory() {
    }

    /** Whether /proc/self/status and a writable clear_refs exist (Linux). */
    public static boolean isAvailable() {
        return Files.isReadable(STATUS) && Files.isWritable(CLEAR_REFS);
    }

    public static long rssBytes() {
        return field("VmRSS:");
    }

    public static long highWaterMarkBytes() {
        return field("VmHWM:");
    }

    /** Resets VmHWM to the current VmRSS. */
    public static void resetHighWaterMark() {
        try {
            Files.writeString(CLEAR_REFS, "5");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reset the peak RSS via " + CLEAR_REFS, e);
        }
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).replace("kB", "").trim()) * 1024L;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException(name + " not found in " + STATUS);
    }
}
