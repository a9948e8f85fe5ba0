package org.medfusion.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A child started with one allocator setting runs with exactly its variables: none of the other one's leak in. */
class GlibcMallocTest {

    /** Prints the allocator variables it sees, one {@code NAME=value} per line (absent: {@code NAME=}). */
    public static final class PrintEnvironment {
        public static void main(String[] args) {
            for (String name : GlibcMalloc.allNames()) {
                String v = System.getenv(name);
                System.out.println(name + "=" + (v == null ? "" : v));
            }
        }
    }

    @Test
    void aChildGetsOneSettingAndNoneOfTheOther(@TempDir Path dir) throws Exception {
        // as if our own process ran under the timing setting: a memory child must not inherit its trim and pad
        ChildJvm timingParent = ChildJvm.of(PrintEnvironment.class).errorDir(dir).what("printing its environment");
        GlibcMalloc.TIMING.variables().forEach(timingParent::env);
        String memory = GlibcMalloc.MEMORY.applyTo(timingParent).runForOutput();
        assertEquals("MALLOC_MMAP_THRESHOLD_=65536\nMALLOC_TOP_PAD_=\nMALLOC_TRIM_THRESHOLD_=", memory.strip());
        String timing = GlibcMalloc.TIMING.applyTo(ChildJvm.of(PrintEnvironment.class).errorDir(dir).what("printing its environment"))
                .runForOutput();
        assertEquals("MALLOC_MMAP_THRESHOLD_=33554432\nMALLOC_TOP_PAD_=268435456\nMALLOC_TRIM_THRESHOLD_=4294967296", timing.strip());
    }
}
