package org.medfusion.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medfusion.checkpoint.Diagnostics;

/** A run's diagnostic knobs and thread count reach its forks as system properties; a real run passes no knob. */
class DiagnosticForkArgsTest {

    @Test
    void knobsBecomeForkSystemProperties() {
        List<String> args = JmhRun.forkJvmArgs(Path.of("jmh"), Diagnostics.parse(List.of("keep-alive=2")), null);
        assertTrue(args.contains("-Dmedfusion.diag.keepAlive=2"), args.toString());
        List<String> real = JmhRun.forkJvmArgs(Path.of("jmh"), Diagnostics.NONE, null);
        assertFalse(real.stream().anyMatch(a -> a.startsWith("-Dmedfusion.diag.")), real.toString());
        assertFalse(real.stream().anyMatch(a -> a.startsWith("-Dai.djl.pytorch.num_threads")), "libtorch's default: " + real);
    }

    @Test
    void eachPropertyAppearsOnceOnAForksCommandLine() {
        String decided = "medfusion.onednn.decided";
        String before = System.getProperty(decided);
        System.setProperty(decided, "subsample"); // forwarded as a medfusion.* property, and set again as the decision
        try {
            List<String> args = JmhRun.forkJvmArgs(Path.of("jmh"), Diagnostics.NONE, 2);
            List<String> keys = args.stream().filter(a -> a.startsWith("-D") && a.contains("="))
                    .map(a -> a.substring(0, a.indexOf('='))).toList();
            assertEquals(keys.size(), new java.util.HashSet<>(keys).size(), "a property set twice: " + args);
            assertFalse(keys.contains("-Dai.djl.offline"), "the benchmarks' @Fork sets it: " + args);
        } finally {
            if (before == null) {
                System.clearProperty(decided);
            } else {
                System.setProperty(decided, before);
            }
        }
    }

    @Test
    void aRunsThreadCountReachesEveryFork() {
        assertTrue(JmhRun.forkJvmArgs(Path.of("jmh"), Diagnostics.NONE, 1).contains("-Dai.djl.pytorch.num_threads=1"));
    }
}
