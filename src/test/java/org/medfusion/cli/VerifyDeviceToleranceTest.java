package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** verify's --device gpu (no GPU here: exit 3, one line) and --tolerance (reported, validated). */
class VerifyDeviceToleranceTest {

    @Test
    void gpuWithoutAGpuIsAnEnvironmentError() {
        CliRun r = CliRun.exec("verify", "--model", "resnet18", "--batch", "2", "--res", "32", "--segments", "2", "--device", "gpu");
        assertEquals(ExitCodes.DATA, r.code(), r.err());
        assertTrue(r.err().contains("no CUDA GPU visible"), r.err());
    }

    @Test
    void toleranceIsValidatedAndReported() {
        assertEquals(ExitCodes.USAGE, CliRun.exec("verify", "--model", "resnet18", "--tolerance", "-1").code());
        CliRun r = CliRun.exec("verify", "--model", "resnet18", "--batch", "2", "--res", "32", "--segments", "2", "--tolerance", "1e-4",
                "--format", "json");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("\"device\":\"cpu\"") && r.out().contains("\"tolerance\":1.0E-4")
                && r.out().contains("\"agrees\":true"), r.out());
    }
}
