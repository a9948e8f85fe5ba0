package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.medfusion.bench.MatrixConfig;
import org.medfusion.checkpoint.Diagnostics;

/** {@code run --diag} names a segment the matrix recomputes; the evidence matrices are valid built-ins. */
class RunDiagnosticsTest {

    @Test
    void aKnobMustNameARecomputedSegment() throws Exception {
        MatrixConfig evidence = MatrixConfig.builtIn("evidence"); // segments 0 and 4: recomputed segments 0..2
        assertDoesNotThrow(() -> RunCommand.checkDiagnostics(Diagnostics.parse(List.of("recompute-twice=0", "keep-alive=2")), evidence));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunCommand.checkDiagnostics(Diagnostics.parse(List.of("keep-alive=3")), evidence));
        assertTrue(e.getMessage().contains("keep-alive=3") && e.getMessage().contains("0..2"), e.getMessage());
        assertDoesNotThrow(() -> MatrixConfig.builtIn("evidence-memory"));
    }
}
