package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code measure --timeline} writes into {@code --out}: without it, one line saying so and exit 2, before anything runs. */
class MeasureTimelineOptionTest {

    @Test
    void timelineNeedsOut() {
        CliRun r = CliRun.exec("measure", "--model", "resnet18", "--batch", "2", "--res", "32", "--timeline");
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--timeline needs --out DIR"), r.err());
    }
}
