package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.planner.CachedSyntheticProfile;
import org.medfusion.planner.ModelProfile;
import org.medfusion.planner.SegmentPlanner;
import org.medfusion.results.Environment;

/** {@code plan --budget} on a cached synthetic profile: too small (exit 1, one line with the minimum), exact minimum, huge. */
class PlanCommandTest {

    @RegisterExtension
    final CachedSyntheticProfile cached = new CachedSyntheticProfile();

    private static int run(StringWriter out, StringWriter err, String... args) {
        return Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void budgetEdgeCases(@TempDir Path cache) throws Exception {
        Random r = new Random(1);
        long[] outputs = new long[10];
        for (int i = 0; i < outputs.length; i++) {
            outputs[i] = 1000 + r.nextInt(5000);
        }
        ModelProfile profile = cached.install(cache, CachedSyntheticProfile.profile(0, outputs, new long[outputs.length]), Environment.detect());
        long min = new SegmentPlanner(profile.memoryModel()).minimumPeak();

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(1, run(out, err, "plan", "--model", "resnet18", "--batch", "2", "--res", "32", "--budget", Long.toString(min - 1)));
        assertTrue(err.toString().strip().contains("(" + min + " bytes)") && !err.toString().strip().contains("\n"), err.toString());

        out = new StringWriter();
        assertEquals(0, run(out, new StringWriter(), "plan", "--model", "resnet18", "--batch", "2", "--res", "32", "--budget", Long.toString(min)));
        JsonNode exact = new ObjectMapper().readTree(out.toString());
        assertEquals(min, exact.get("predicted_peak_bytes").asLong());
        for (String f : List.of("segments", "boundaries", "recomputed", "predicted_peak_bytes", "predicted_overhead", "plan", "planning_ms")) {
            assertTrue(exact.has(f), f);
        }
        // the recomputed flags are the plan's own (stored segments may sit anywhere), and plan spells them out
        SegmentPlan chosen = SegmentPlan.parse(exact.get("plan").asText());
        List<Boolean> flags = new ArrayList<>();
        exact.get("recomputed").forEach(b -> flags.add(b.asBoolean()));
        assertEquals(chosen.recomputed(), flags);
        assertEquals(exact.get("segments").asInt(), chosen.segmentCount());
        assertEquals(min, profile.memoryModel().predict(chosen).peakBytes());

        out = new StringWriter();
        assertEquals(0, run(out, new StringWriter(), "plan", "--model", "resnet18", "--batch", "2", "--res", "32", "--budget", "1GiB"));
        JsonNode huge = new ObjectMapper().readTree(out.toString());
        assertEquals(1, huge.get("segments").asInt());
        assertEquals(0.0, huge.get("predicted_overhead").asDouble());

        assertEquals(2, run(new StringWriter(), err = new StringWriter(), "plan", "--model", "resnet18", "--batch", "2", "--res", "32", "--budget", "lots"));
        assertTrue(err.toString().contains("'lots'"), err.toString());
    }

    /** --sweep's bad input: one line naming the value and what is allowed, exit 2, nothing measured. */
    @Test
    void sweepArguments() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "plan", "--model", "resnet18", "--sweep", "1", "--out", "x"));
        assertTrue(err.toString().contains("--sweep must be between 2 and 50 budgets, got 1"), err.toString());
        assertEquals(2, run(new StringWriter(), err = new StringWriter(), "plan", "--model", "resnet18", "--sweep", "5"));
        assertTrue(err.toString().contains("--sweep needs --out <dir>"), err.toString());
        assertEquals(2, run(new StringWriter(), err = new StringWriter(), "plan", "--model", "resnet18", "--sweep", "5", "--budget", "1GiB"));
        assertTrue(err.toString().contains("exactly one of --budget, --compare or --sweep"), err.toString());
    }
}
