package org.medfusion.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.bench.MatrixConfig;
import org.medfusion.checkpoint.Split;
import org.medfusion.report.MemoryTable;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.Device;
import org.medfusion.results.Fixtures;
import org.medfusion.results.Precision;
import org.medfusion.results.RawCsv;

/** {@code split: optimal} is a cell coordinate from YAML through the cell id and raw.csv to the report's tables. */
class OptimalSplitFlowTest {

    static final String YAML = String.join("\n",
            "name: tiny", "device: cpu", "split: [uniform, optimal]", "precision: [fp32]", "models: [resnet18]",
            "batch_sizes: [2]", "resolutions: [32]", "segments: [0, 4]", "");

    @Test
    void optimalFlowsFromYamlToRawCsvAndReport(@TempDir Path tmp) {
        List<CellKey> cells = MatrixConfig.parse("m.yaml", YAML).cells();
        CellKey optimal = new CellKey("resnet18", 2, 32, 4, Split.OPTIMAL, Precision.FP32, Device.CPU);
        assertTrue(cells.contains(optimal), cells.toString());
        assertEquals(3, cells.size(), "plain once, then uniform and optimal at 4 segments");
        assertEquals("resnet18_b2_r32_s4_optimal_fp32_cpu", optimal.id());

        List<CellResult> results = List.of(Fixtures.ok(optimal.plain(), "resnet", 100, 10, null),
                Fixtures.ok(optimal, "resnet", 60, 12, 2.0),
                Fixtures.ok(new CellKey("resnet18", 2, 32, 4, Split.UNIFORM, Precision.FP32, Device.CPU), "resnet", 70, 12, 2.0));
        Path csv = RawCsv.write(tmp.resolve(RawCsv.FILE), results);
        List<CellResult> back = RawCsv.read(csv);
        assertTrue(back.stream().anyMatch(r -> r.key().equals(optimal)), "raw.csv keeps split optimal");

        MemoryTable table = MemoryTable.of(back);
        assertTrue(table.rows().stream().anyMatch(r -> r.group().split() == Split.OPTIMAL
                && r.peakBytes().get(4) == 60L * 1024 * 1024), "the report has an optimal row with its peak");
    }

    @Test
    void optimalHasNoCountOnlyPolicy() {
        assertEquals(Split.OPTIMAL, Split.parse("optimal"));
        assertTrue(Split.OPTIMAL.needsProfile());
        assertThrows(IllegalStateException.class, Split.OPTIMAL::policy);
    }
}
