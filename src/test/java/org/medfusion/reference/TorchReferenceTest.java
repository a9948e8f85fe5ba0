package org.medfusion.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.medfusion.platform.GlibcMalloc;
import org.medfusion.bench.MeasureSettings;
import org.medfusion.bench.RunSettings;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.checkpoint.Split;
import org.medfusion.checkpoint.SplitPolicy;
import org.medfusion.results.CellKey;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import org.medfusion.results.ReferenceFigures;

/** The PyTorch reference runner: a tiny cell in the machine's PyTorch, and "not available" without it. */
class TorchReferenceTest {

    /** Time: 1 warm-up, 2 measured steps; memory: 1 warm-up, 2 measured steps. */
    private static final MeasureSettings COUNTS = new MeasureSettings(new RunSettings(1, 2, 1), new RunSettings(1, 2, 1));

    private static final CellKey TINY = new CellKey("resnet18", 2, 32, 2, Split.TORCH, Precision.FP32, Device.CPU, 1);

    /**
     * PyTorch's processes run in the allocator environments of ours: its time process in our timing forks' (glibc keeps
     * what is freed; with glibc's defaults a plain step paid page faults a checkpointed one did not, and PyTorch's paired
     * increases came out negative), its memory process in our memory forks'.
     */
    @Test
    void pytorchRunsInTheAllocatorEnvironmentsOfOurForks() {
        assertEquals(GlibcMalloc.TIMING.variables(), TorchReference.timingEnvironment());
        assertEquals("65536", TorchReference.memoryEnvironment().get("MALLOC_MMAP_THRESHOLD_"));
    }

    /**
     * torchvision's model split by {@code torch_reference.flat_blocks} has as many blocks as ours, for every family the
     * reference runs (the seed table's models among them): a mismatch makes every PyTorch-beside figure of that model an
     * error row. ConvNeXt's downsampling layers (LayerNorm2d, then a convolution) were once split as a stage: 44 blocks
     * against our 41, found by the seed-table run.
     */
    @Test
    void torchvisionSplitsIntoOurBlocks() {
        Optional<TorchPython> py = TorchPython.find();
        assumeTrue(py.isPresent(), "no python3 with torch and torchvision (apt-get install -y python3-torch python3-torchvision)");
        List<String> models = List.of("resnet50", "vit_b_16", "convnext_tiny", "convnext_base", "efficientnet_b2",
                "efficientnet_v2_s", "swin_t");
        String out = py.get().runScript(java.nio.file.Path.of("scripts", "torch_reference.py"),
                List.of("blocks", "--models", String.join(",", models)), 600);
        java.util.Map<String, Integer> theirs = new java.util.HashMap<>();
        out.lines().map(l -> l.trim().split(" ")).filter(f -> f.length == 2 && models.contains(f[0]))
                .forEach(f -> theirs.put(f[0], Integer.parseInt(f[1])));
        for (String m : models) {
            try (org.medfusion.backbones.Backbone b = org.medfusion.backbones.BackboneRegistry.create(m,
                    org.medfusion.backbones.BackboneOptions.defaults())) {
                assertEquals(b.blockCount(), theirs.get(m), m + ": torchvision's split vs ours (" + out.strip() + ")");
            }
        }
    }

    @Test
    void withoutPythonTheFiguresAreNotAvailableNotAnError() {
        List<String> tried = new ArrayList<>();
        Optional<TorchPython> none = TorchPython.find("/nonexistent/python3", tried);
        assertTrue(none.isEmpty());
        assertTrue(tried.get(0).startsWith("/nonexistent/python3: "), tried.toString());
        ReferenceFigures f = TorchReference.measure(none, "no python3 with torch (tried " + tried + ")", TINY,
                SplitPolicy.TORCH_SEQUENTIAL.plan(10, 2), 10, 1, COUNTS);
        assertEquals("not available", f.status());
        assertTrue(f.message().contains("/nonexistent/python3"), f.message());
        assertEquals(null, ReferenceFigures.ratio(100L, f.peakBytes()));
    }

    @Test
    void aTinyCellRunsInPyTorchWithOurPlanAndABlockMismatchIsAnErrorRow() {
        Optional<TorchPython> py = TorchPython.find();
        assumeTrue(py.isPresent(), "no python3 with torch and torchvision (apt-get install -y python3-torch python3-torchvision)");
        SegmentPlan plan = SplitPolicy.TORCH_SEQUENTIAL.plan(10, 2);
        ReferenceFigures f = TorchReference.measure(py, null, TINY, plan, 10, 1, COUNTS);
        assertEquals("ok", f.status(), f.message());
        assertTrue(f.peakBytes() > 0, "a training step grows RSS: " + f.peakBytes());
        assertTrue(f.stepMsMedian() > 0);
        assertNotNull(f.plainRatioMedian(), "a checkpointed cell is timed against a plain step");
        ReferenceFigures wrong = TorchReference.measure(py, null, TINY, SplitPolicy.TORCH_SEQUENTIAL.plan(11, 2), 11, 1,
                new MeasureSettings(new RunSettings(1, 1, 1), new RunSettings(1, 1, 1)));
        assertEquals("error", wrong.status());
        assertTrue(wrong.message().contains("flattens into 10 blocks, ours has 11"), wrong.message());
        ReferenceFigures memoryOnly = TorchReference.measure(py, null, TINY, plan, 10, 1, COUNTS.withMemoryOnly(true));
        assertEquals("ok", memoryOnly.status(), memoryOnly.message());
        assertTrue(memoryOnly.peakBytes() > 0, "memory only still measures the peak: " + memoryOnly.peakBytes());
        assertNull(memoryOnly.stepMsMedian(), "timing: off leaves PyTorch's step time missing, never estimated");
        assertNull(memoryOnly.plainRatioMedian());
    }
}
