package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.platform.ProcSched;
import org.medfusion.bench.StepTrace;

/** {@code step-trace}: a real child JVM with the timing fork's settings traces a tiny cell; bad input is exit 2. */
class StepTraceCommandTest {

    @TempDir
    Path tmp;

    @Test
    void tracesEachStepInATimingForksJvm() throws Exception {
        Path csv = tmp.resolve("trace.csv");
        CliRun r = CliRun.exec("step-trace", "--model", "resnet18", "--batch", "2", "--res", "32", "--segments", "2", "--warmup", "1",
                "--steps", "3", "--threads", "1", "--out", csv.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("step-trace resnet18_b2_r32_s2_fp32_cpu: 3 measured steps, 1 libtorch thread(s)"), r.out());
        List<CSVRecord> rows = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build()
                .parse(new StringReader(Files.readString(csv))).getRecords();
        assertEquals(StepTrace.COLUMNS, rows.get(0).getParser().getHeaderNames());
        assertEquals(4, rows.size());
        assertEquals(List.of("warmup", "measured", "measured", "measured"), rows.stream().map(x -> x.get("phase")).toList());
        for (CSVRecord row : rows) {
            assertTrue(Double.parseDouble(row.get("wall_ms")) > 0, row.toString());
            assertEquals("1", row.get("threads"), "--threads reached libtorch in the child: " + row);
            if (ProcSched.isAvailable()) {
                // a training step keeps at least one core busy for most of its time; waits and faults are never negative
                assertTrue(Double.parseDouble(row.get("own_cpu_ms")) > 0.5 * Double.parseDouble(row.get("wall_ms")), row.toString());
                assertTrue(Double.parseDouble(row.get("own_wait_ms")) >= 0, row.toString());
                assertTrue(Long.parseLong(row.get("minor_faults")) >= 0, row.toString());
            }
        }
        // the first (warm-up) step builds gradients and optimizer state: it faults pages in
        if (ProcSched.isAvailable()) {
            assertTrue(Long.parseLong(rows.get(0).get("minor_faults")) > 0, rows.get(0).toString());
            assertTrue(r.out().contains("cores busy"), r.out());
        }
    }

    @Test
    void badInputIsAUsageError() {
        CliRun r = CliRun.exec("step-trace", "--model", "resnet18", "--batch", "2", "--res", "32", "--steps", "1");
        assertEquals(2, r.code());
        assertEquals("error: --steps must be >= 2 (a spread needs two steps), got 1\n", r.err());
        r = CliRun.exec("step-trace", "--model", "resnet18", "--batch", "2", "--res", "32", "--warmup", "-1");
        assertEquals(2, r.code());
        assertEquals("error: --warmup must be >= 0, got -1\n", r.err());
        r = CliRun.exec("step-trace", "--model", "resnet18", "--batch", "2", "--res", "32", "--threads", "0");
        assertEquals(2, r.code());
        assertEquals("error: --threads must be between 1 and the " + Runtime.getRuntime().availableProcessors()
                + " cores of this machine (more threads than cores only make every thread wait), got 0\n", r.err());
        r = CliRun.exec("measure", "--model", "resnet18", "--batch", "2", "--res", "32", "--threads", "0");
        assertEquals(2, r.code(), "measure shares the option and its check");
        assertEquals("error: --threads must be between 1 and the " + Runtime.getRuntime().availableProcessors()
                + " cores of this machine (more threads than cores only make every thread wait), got 0\n", r.err());
    }
}
