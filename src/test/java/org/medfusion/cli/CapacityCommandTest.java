package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code capacity}'s usage errors: one line naming the bad value and what is allowed, exit 2, before anything is measured. */
class CapacityCommandTest {

    private static void usage(String expected, String... args) {
        CliRun r = CliRun.exec(args);
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
    }

    @Test
    void badCapIsOneLine() {
        usage("--cap must be a positive size in bytes or with a unit such as 364MB, 350MiB or 1.5GiB, got '12xB'",
                "capacity", "--model", "resnet18", "--cap", "12xB");
        usage("got '0'", "capacity", "--model", "resnet18", "--cap", "0");
    }

    @Test
    void badModeSegmentsOrLimitsAreOneLine() {
        usage("--modes: mode must be one of plain, uniform, optimal, got 'torch'", "capacity", "--model", "resnet18", "--cap", "100MiB",
                "--modes", "plain,torch");
        usage("--max-batch must be >= 1, got 0", "capacity", "--model", "resnet18", "--cap", "100MiB", "--max-batch", "0");
        usage("--start-batch must be >= 1, got 0", "capacity", "--model", "resnet18", "--cap", "100MiB", "--start-batch", "0");
        usage("resnet18", "capacity", "--model", "resnet18", "--res", "32", "--cap", "100MiB", "--segments", "99");
        usage("nosuchmodel", "capacity", "--model", "nosuchmodel", "--cap", "100MiB");
    }

    @Test
    void capParsesUnits() {
        assertEquals(364_000_000L, CapacityCommand.parseCap("364MB"));
        assertEquals(350L << 20, CapacityCommand.parseCap("350MiB"));
        assertEquals(1234L, CapacityCommand.parseCap("1234"));
    }
}
