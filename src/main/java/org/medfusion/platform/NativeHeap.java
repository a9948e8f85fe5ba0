package org.medfusion.platform;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;

/**
 * Bytes currently allocated through glibc malloc in this process, from {@code mallinfo2()}
 * ({@code uordblks + hblkhd}: in-use bytes of every arena plus mmap'd chunks). libtorch's CPU
 * allocator allocates tensors with malloc/posix_memalign, so this counts live tensor memory
 * exactly, without the noise of the Java heap and of pages glibc keeps after a free. It is a
 * current value, not a peak; glibc only.
 */
public final class NativeHeap {

    /** glibc's {@code struct mallinfo2}: ten size_t fields. */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"})
    public static class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;
    }

    interface LibC extends Library {
        MallInfo2 mallinfo2();
    }

    private static final LibC LIBC = load();

    private NativeHeap() {
    }

    private static LibC load() {
        try {
            return Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    /** Whether {@link #inUseBytes()} works here (Linux with glibc 2.33 or later). */
    public static boolean isAvailable() {
        if (LIBC == null) {
            return false;
        }
        try {
            LIBC.mallinfo2();
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    /** Bytes in use through malloc right now. */
    public static long inUseBytes() {
        if (LIBC == null) {
            throw new IllegalStateException("mallinfo2 is not available (glibc 2.33+ on Linux is required)");
        }
        MallInfo2 m = LIBC.mallinfo2();
        return m.uordblks + m.hblkhd;
    }
}
