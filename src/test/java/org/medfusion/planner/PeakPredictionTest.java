package org.medfusion.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.checkpoint.Split;
import org.medfusion.report.MemoryTable;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.Device;
import org.medfusion.results.Environment;
import org.medfusion.results.Fixtures;
import org.medfusion.results.Precision;

/**
 * A measured cell gets a predicted peak only from a profile cached for its configuration in its run's environment:
 * the plan it ran (plain, its split at its segment count) through the memory model; otherwise none, and the memory
 * table then has no predicted columns at all.
 */
class PeakPredictionTest {

    @RegisterExtension
    final CachedSyntheticProfile cached = new CachedSyntheticProfile();

    private static ModelProfile profile() {
        long[] out = {8000, 4000, 4000, 2000, 2000, 1000, 1000, 500, 500, 100};
        long[] freed = new long[out.length];
        for (int i = 0; i < out.length; i += 2) {
            freed[i] = out[i] / 2;
        }
        return CachedSyntheticProfile.profile(1000, out, freed);
    }

    @Test
    void predictionsComeFromTheCachedProfileOfTheRunsEnvironmentOnly(@TempDir Path cache) throws Exception {
        Environment env = Environment.detect();
        ModelProfile profile = cached.install(cache, profile(), env);

        CellKey optimal = new CellKey("resnet18", 2, 32, 4, Split.OPTIMAL, Precision.FP32, Device.CPU);
        CellKey torch = new CellKey("resnet18", 2, 32, 4, Split.TORCH, Precision.FP32, Device.CPU);
        MemoryModel model = profile.memoryModel();
        assertEquals(model.predict(SegmentPlan.uniform(10, 1)).peakBytes(), PeakPrediction.cached(optimal.plain(), env));
        assertEquals(new SegmentPlanner(model).leastPeak(4).predictedPeakBytes(), PeakPrediction.cached(optimal, env));
        assertEquals(model.predict(Split.TORCH.policy().plan(10, 4)).peakBytes(), PeakPrediction.cached(torch, env));
        assertTrue(PeakPrediction.cached(optimal, env) <= PeakPrediction.cached(torch, env));

        assertNull(PeakPrediction.cached(optimal, null), "no run environment: no prediction");
        assertNull(PeakPrediction.cached(new CellKey("resnet18", 4, 32, 4, Split.OPTIMAL, Precision.FP32, Device.CPU), env),
                "no profile of batch 4 cached");

        List<CellResult> cells = List.of(Fixtures.ok(optimal.plain(), "resnet", 100, 10, null), Fixtures.ok(optimal, "resnet", 60, 12, 2.0),
                Fixtures.ok(new CellKey("resnet50", 2, 32, 0, Split.UNIFORM, Precision.FP32, Device.CPU), "resnet", 300, 10, null));
        MemoryTable t = MemoryTable.of(cells, k -> PeakPrediction.cached(k, env));
        assertTrue(t.hasPredictions());
        String csv = t.toCsv();
        assertTrue(csv.lines().findFirst().orElseThrow().contains("peak_plain_bytes,predicted_plain_bytes,peak_s4_bytes,predicted_s4_bytes"), csv);
        assertTrue(csv.contains("," + PeakPrediction.cached(optimal, env) + ","), csv);
        String resnet50 = csv.lines().filter(l -> l.startsWith("resnet50,")).findFirst().orElseThrow();
        assertTrue(resnet50.contains(",,"), "resnet50 has no profile: its predicted field is empty: " + resnet50);

        MemoryTable none = MemoryTable.of(cells);
        assertFalse(none.hasPredictions());
        assertFalse(none.toCsv().contains("predicted"), "no prediction: no predicted columns");
    }
}
