package org.medfusion.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medfusion.checkpoint.Diagnostics;

/** A run's diagnostic knobs reach its forks as system properties, and a real run passes none. */
class DiagnosticForkArgsTest {

    @Test
    void knobsBecomeForkSystemProperties() {
        List<String> args = CellMeasurer.forkJvmArgs(Path.of("jmh"), Diagnostics.parse(List.of("keep-alive=2")));
        assertTrue(args.contains("-Dmedfusion.diag.keepAlive=2"), args.toString());
        List<String> real = CellMeasurer.forkJvmArgs(Path.of("jmh"), Diagnostics.NONE);
        assertFalse(real.stream().anyMatch(a -> a.startsWith("-Dmedfusion.diag.")), real.toString());
    }
}
