package org.medfusion.results;

import java.util.ArrayList;
import java.util.List;

/** Fake cells for tests only (the numbers are invented, shaped like real runs). */
public final class Fixtures {
    private Fixtures() {
    }

    public static final long MIB = 1024L * 1024L;

    public static CellKey key(String model, int s) {
        return new CellKey(model, 32, 224, s, Precision.FP32, Device.GPU);
    }

    public static List<Double> samples(double base, int n) {
        List<Double> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(base + ((i * 7) % 11) * base * 0.004);
        }
        return l;
    }

    public static CellResult ok(CellKey k, String family, long peakMib, double stepMs, Double recompute) {
        List<Double> s = samples(stepMs, 9);
        Stats.Summary sum = Stats.summarize(s);
        long peak = peakMib * MIB;
        // a checkpointed cell's timing fork also times a plain step before each measured step
        List<Double> paired = k.segments() > 0 ? samples(stepMs * 0.9, 9) : List.of();
        // the recompute figure is the median of its forks' medians
        List<Double> forks = recompute == null ? List.of() : List.of(recompute * 0.98, recompute, recompute * 1.05);
        return CellResult.builder(k, family, CellStatus.OK).peak(peak, MemoryMethod.CUDA_ALLOCATED_PEAK).memoryRepeats(List.of(peak, peak + 4096))
                .stepMs(s, sum).recomputeForwardMs(recompute).recomputeForkMs(forks).pairedPlainMsSamples(paired).build();
    }

    /** resnet50, vit_b_16 and convnext_base at b32/224/gpu with plain, 2, 4 and 8 segments; resnet152 OOM plain. */
    public static List<CellResult> run() {
        List<CellResult> l = new ArrayList<>();
        l.add(ok(key("resnet50", 0), "resnet", 8200, 310.0, null));
        l.add(ok(key("resnet50", 2), "resnet", 6900, 330.0, 80.0));
        l.add(ok(key("resnet50", 4), "resnet", 5400, 356.0, 120.0));
        l.add(ok(key("resnet50", 8), "resnet", 4700, 395.0, 140.0));
        l.add(ok(key("vit_b_16", 0), "vit", 10500, 420.0, null));
        l.add(ok(key("vit_b_16", 4), "vit", 5800, 482.0, 160.0));
        l.add(ok(key("vit_b_16", 8), "vit", 5100, 530.0, 180.0));
        l.add(ok(key("convnext_base", 0), "convnext", 9800, 380.0, null));
        l.add(ok(key("convnext_base", 2), "convnext", 8300, 400.0, 90.0));
        l.add(ok(key("convnext_base", 4), "convnext", 6200, 430.0, 130.0));
        l.add(CellResult.failed(key("convnext_base", 8), "convnext", CellStatus.ERROR,
                "segments 8 > 4 stages, \"quoted\", comma"));
        l.add(CellResult.failed(key("resnet152", 0), "resnet", CellStatus.OOM, "CUDA out of memory"));
        l.add(ok(key("resnet152", 4), "resnet", 11000, 700.0, 250.0));
        return l;
    }

    /**
     * PyTorch's figures beside {@link #run()}: ok for resnet50 and resnet152 S4 and vit_b_16 S0/S4, none stored for
     * vit_b_16 S8 (an interrupted run), "not available" for convnext_base S0 (no PyTorch), an error for convnext_base S2
     * and our failed cells.
     */
    public static ReferenceStore.References references() {
        java.util.Map<String, ReferenceFigures> m = new java.util.LinkedHashMap<>();
        String torch = "torch 1.13.0a0, torchvision 0.14.1a0 (/usr/bin/python3)";
        m.put(key("resnet50", 0).id(), new ReferenceFigures("ok", null, 8300 * MIB, 8100 * MIB, 300.0, null, torch, 2));
        m.put(key("resnet50", 2).id(), new ReferenceFigures("ok", null, 6800 * MIB, null, 335.0, 1.08, torch, 2));
        m.put(key("resnet50", 4).id(), new ReferenceFigures("ok", null, 5000 * MIB, null, 350.0, 1.15, torch, 2));
        m.put(key("resnet50", 8).id(), new ReferenceFigures("ok", null, 4750 * MIB, null, 380.0, 1.25, torch, 2));
        m.put(key("vit_b_16", 0).id(), new ReferenceFigures("ok", null, 10400 * MIB, null, 400.0, null, torch, 2));
        m.put(key("vit_b_16", 4).id(), new ReferenceFigures("ok", null, 5900 * MIB, null, 470.0, 1.17, torch, 2));
        m.put(key("convnext_base", 0).id(), ReferenceFigures.notAvailable("no python3 with torch and torchvision (tried python3: not found)"));
        m.put(key("convnext_base", 2).id(), new ReferenceFigures("error", "torch_cell.py failed: \"quoted\", comma", null, null, null,
                null, torch, 2));
        m.put(key("convnext_base", 4).id(), new ReferenceFigures("ok", null, 6000 * MIB, null, 420.0, 1.12, torch, 2));
        m.put(key("convnext_base", 8).id(), ReferenceFigures.notAvailable("our cell is error: no figures of ours to compare"));
        m.put(key("resnet152", 0).id(), ReferenceFigures.notAvailable("our cell is oom: no figures of ours to compare"));
        m.put(key("resnet152", 4).id(), new ReferenceFigures("ok", null, 10800 * MIB, null, 690.0, 1.2, torch, 2));
        return new ReferenceStore.References(ReferenceFramework.TORCH, m);
    }

    public static Environment env() {
        return new Environment("Test CPU @ 2.0GHz", 16, 128L << 30, "NVIDIA H100 80GB HBM3", "550.54", "12.4",
                "Eclipse Adoptium 17.0.15+6 (OpenJDK 64-Bit Server VM)", "Linux 6.1 amd64", "0.36.0", "2.7.1");
    }

    public static RunManifest manifest(List<CellResult> cells, String shard) {
        return RunManifest.builder().runId("run-test").configName("seed-table").configHash(RunManifest.hash("model: resnet50\n"))
                .cells(cells.stream().map(CellResult::key).sorted(CellKey.ORDER).toList()).environment(env())
                .gitCommit("0123456789abcdef0123456789abcdef01234567").commandLine("java -jar benchmarks.jar run --config seed-table.yaml")
                .shard(shard).startedAt("2026-11-27T06:00:00Z").finishedAt("2026-11-27T06:30:00Z").build();
    }
}
