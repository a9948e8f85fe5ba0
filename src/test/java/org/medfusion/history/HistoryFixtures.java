package org.medfusion.history;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.medfusion.results.MemoryMethod;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.CellStore;
import org.medfusion.results.Device;
import org.medfusion.results.Environment;
import org.medfusion.results.Fixtures;
import org.medfusion.results.Precision;
import org.medfusion.results.RunManifest;
import org.medfusion.results.Stats;

/** Run directories with invented figures, written the way {@code run} writes them (cells/ + manifest.json). */
final class HistoryFixtures {

    static final CellKey PLAIN = new CellKey("resnet50", 16, 112, 0, Precision.FP32, Device.CPU);
    static final CellKey S4 = new CellKey("resnet50", 16, 112, 4, Precision.FP32, Device.CPU);

    private HistoryFixtures() {
    }

    /** 10 step samples around {@code ms} with +-1 % spread. */
    static List<Double> samples(double ms) {
        List<Double> l = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            l.add(ms * (1 + ((i * 7) % 11 - 5) * 0.002));
        }
        return l;
    }

    static CellResult cell(CellKey k, long peakMib, double ms) {
        List<Double> s = samples(ms);
        Stats.Summary sum = Stats.summarize(s);
        long peak = peakMib * Fixtures.MIB;
        return CellResult.builder(k, "resnet", CellStatus.OK).peak(peak, MemoryMethod.CPU_RSS_PEAK).memoryRepeats(List.of(peak)).stepMs(s, sum)
                .recomputeForwardMs(k.segments() == 0 ? null : 300.0).build();
    }

    static Path run(Path dir, String id, String startedAt, String commit, Environment env, List<CellResult> cells) {
        Path d = dir.resolve(id);
        cells.forEach(c -> CellStore.save(d, c));
        RunManifest.builder().runId(id).configName("smoke").configHash(RunManifest.hash("smoke"))
                .cells(cells.stream().map(CellResult::key).toList()).environment(env).gitCommit(commit)
                .commandLine("java -jar benchmarks.jar run").startedAt(startedAt).finishedAt(startedAt).build().write(d);
        return d;
    }

    /**
     * Four runs, written out of order: r1 baseline; r2 memory +1 % and time +1 % (noise); r3 plain memory +3 %
     * (regression) and s4 time +20 % (regression); r4 on another machine, time +40 % (not compared).
     */
    static Path fourRuns(Path root) {
        Environment other = new Environment("Other CPU", 64, 256L << 30, "none", null, null, "17", "Linux", "0.36.0", "2.7.1");
        run(root, "r3", "2026-11-03T10:00:00Z", "3333333333abcdef", Fixtures.env(),
                List.of(cell(PLAIN, 634, 1010), cell(S4, 303, 1440)));
        run(root, "r1", "2026-11-01T10:00:00Z", "1111111111abcdef", Fixtures.env(),
                List.of(cell(PLAIN, 615, 1000), cell(S4, 303, 1200)));
        run(root.resolve("nested"), "r2", "2026-11-02T10:00:00Z", "2222222222abcdef", Fixtures.env(),
                List.of(cell(PLAIN, 621, 1010), cell(S4, 300, 1212),
                        CellResult.failed(new CellKey("vit_b_16", 16, 112, 0, Precision.FP32, Device.CPU), "vit",
                                CellStatus.OOM, "out of memory")));
        run(root, "r4", "2026-11-04T10:00:00Z", "4444444444abcdef", other,
                List.of(cell(PLAIN, 634, 1414), cell(S4, 303, 2016)));
        return root;
    }
}
