package org.medfusion.report;

import org.medfusion.results.Fixtures;
import org.medfusion.results.CellResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;

class ChartsTest {

    @TempDir
    Path tmp;

    @Test
    void chartsHaveExpectedSeriesAndFiles() throws Exception {
        List<CellResult> cells = Fixtures.run();
        MemoryTable m = MemoryTable.of(cells);
        SlowdownTable s = SlowdownTable.of(cells);

        CategoryChart mem = Charts.memoryChart(m);
        assertEquals(List.of("no checkpointing", "2 segments", "4 segments", "8 segments"),
                List.copyOf(mem.getSeriesMap().keySet()));
        assertEquals("peak memory (MiB)", mem.getYAxisTitle());

        XYChart slow = Charts.slowdownChart(s);
        // resnet152 has no plain step time: no slowdown line
        assertEquals(Set.of("convnext_base", "resnet50", "vit_b_16"), slow.getSeriesMap().keySet());
        assertEquals("step time increase (%)", slow.getYAxisTitle());

        XYChart trade = Charts.tradeoffChart(m, s);
        assertEquals(Set.of("convnext_base", "convnext_base (Pareto front)", "resnet50", "resnet50 (Pareto front)",
                "vit_b_16", "vit_b_16 (Pareto front)"), trade.getSeriesMap().keySet());

        Path dir = Path.of(System.getProperty("charts.dir", tmp.toString()));
        List<Charts.ChartFile> files = Charts.writeAll(dir, m, s);
        assertEquals(3, files.size());
        for (Charts.ChartFile f : files) {
            byte[] png = Files.readAllBytes(f.png());
            assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', f.png().toString());
            String svg = Files.readString(f.svg());
            assertTrue(svg.contains("<svg"), f.svg().toString());
        }
    }

    @Test
    void paretoFrontDropsDominatedPoints() {
        var pts = List.of(new Charts.Point(0, 100, 100), new Charts.Point(2, 105, 80), new Charts.Point(4, 110, 85),
                new Charts.Point(8, 120, 60));
        assertEquals(List.of(0, 2, 8), Charts.paretoFront(pts).stream().map(Charts.Point::segments).toList());
    }

    @Test
    void emptyRunGivesEmptyCharts() {
        MemoryTable m = MemoryTable.of(List.of());
        SlowdownTable s = SlowdownTable.of(List.of());
        assertTrue(Charts.memoryChart(m).getSeriesMap().isEmpty());
        assertTrue(Charts.writeAll(tmp, m, s).isEmpty());
    }
}
