package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** verify's --device gpu (no GPU here: exit 3, one line) and --tolerance (reported, validated). */
class VerifyDeviceToleranceTest {

    private record Out(int rc, String out, String err) {
    }

    private static Out run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Out(rc, out.toString(), err.toString());
    }

    @Test
    void gpuWithoutAGpuIsAnEnvironmentError() {
        Out r = run("verify", "--model", "resnet18", "--batch", "2", "--res", "32", "--segments", "2", "--device", "gpu");
        assertEquals(ExitCodes.DATA, r.rc(), r.err());
        assertTrue(r.err().contains("no CUDA GPU visible"), r.err());
    }

    @Test
    void toleranceIsValidatedAndReported() {
        assertEquals(ExitCodes.USAGE, run("verify", "--model", "resnet18", "--tolerance", "-1").rc());
        Out r = run("verify", "--model", "resnet18", "--batch", "2", "--res", "32", "--segments", "2", "--tolerance", "1e-4",
                "--format", "json");
        assertEquals(ExitCodes.OK, r.rc(), r.err());
        assertTrue(r.out().contains("\"device\":\"cpu\"") && r.out().contains("\"tolerance\":1.0E-4")
                && r.out().contains("\"agrees\":true"), r.out());
    }
}
