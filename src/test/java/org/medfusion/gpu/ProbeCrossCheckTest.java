package org.medfusion.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CUDA probe cross-check on JMH JSON shaped like a GPU memory fork's (no GPU needed). */
class ProbeCrossCheckTest {

    private static String jmhJson(long[] reserved, long[] allocated, long steady) {
        return "[{\"params\":{\"batch\":\"2\",\"device\":\"gpu\",\"model\":\"resnet18\",\"precision\":\"fp32\",\"res\":\"32\","
                + "\"segments\":\"2\",\"split\":\"uniform\"},\"secondaryMetrics\":{"
                + "\"cuda.reserved.peak\":{\"rawData\":[" + arr(reserved) + "]},"
                + "\"cuda.allocated.peak\":{\"rawData\":[" + arr(allocated) + "]},"
                + "\"cuda.allocated.steady\":{\"rawData\":[[" + steady + "," + steady + "]]},"
                + "\"cuda.reserved.steady\":{\"rawData\":[[" + (steady * 2) + "," + (steady * 2) + "]]}}}]";
    }

    private static String arr(long[] v) {
        return "[" + v[0] + "," + v[1] + "]";
    }

    private static int run(Path dir, String json, StringBuilder text) throws Exception {
        Files.createDirectories(dir.resolve("jmh"));
        Files.writeString(dir.resolve("jmh/resnet18_b2_r32_s2_fp32_gpu-memory.json"), json);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int rc = ProbeCrossCheck.run(dir, new PrintStream(b, true, StandardCharsets.UTF_8));
        text.append(b.toString(StandardCharsets.UTF_8));
        return rc;
    }

    @Test
    void passesConsistentProbesAndFailsEachBrokenBound(@TempDir Path tmp) throws Exception {
        long[] bounds = ProbeCrossCheck.bounds("resnet18", 2, 32);
        long act = bounds[0];
        long state = bounds[1];
        // resnet18 at 32 px, batch 2: the stem's output 2 x 64 x 8 x 8 floats alone; 11.7 M parameters x 16 bytes
        assertTrue(act >= 2L * 64 * 8 * 8 * 4, "activation bound " + act);
        assertTrue(state > 16L * 11_689_512, "state bound " + state);

        StringBuilder out = new StringBuilder();
        assertEquals(0, run(tmp.resolve("ok"), jmhJson(new long[] {act * 3, act * 3}, new long[] {act * 2, act * 2}, state + 1), out),
                out.toString());
        assertTrue(Files.readString(tmp.resolve("ok/probe-crosscheck.csv")).contains(",\"ok\""));

        out.setLength(0);
        assertEquals(1, run(tmp.resolve("reserved"), jmhJson(new long[] {act * 3, act}, new long[] {act * 2, act * 2}, state), out));
        assertTrue(out.toString().contains("reserved < allocated"), out.toString());

        out.setLength(0);
        assertEquals(1, run(tmp.resolve("act"), jmhJson(new long[] {act, act}, new long[] {act / 2, act}, state), out));
        assertTrue(out.toString().contains("< activation bound"), out.toString());

        out.setLength(0);
        assertEquals(1, run(tmp.resolve("state"), jmhJson(new long[] {act, act}, new long[] {act, act}, state - 1), out));
        assertTrue(out.toString().contains("< weights+grads+AdamW+input"), out.toString());
    }

    @Test
    void noGpuResultsIsADataError(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        assertEquals(3, ProbeCrossCheck.run(tmp, new PrintStream(b, true, StandardCharsets.UTF_8)));
    }
}
