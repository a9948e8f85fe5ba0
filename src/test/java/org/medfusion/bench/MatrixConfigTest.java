package org.medfusion.bench;

import org.medfusion.checkpoint.Split;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medfusion.results.CellKey;

class MatrixConfigTest {

    static final String GOOD = String.join("\n",
            "name: tiny",
            "device: cpu",
            "precision: [fp32]",
            "models: [resnet18, resnet50]",
            "batch_sizes: [2, 4]",
            "resolutions: [32]",
            "segments: [0, 4]",
            "timing: {warmup: 1, iterations: 6, forks: 1}",
            "memory: {warmup: 1, iterations: 2, forks: 2}",
            "");

    @Test
    void builtInIndexListsEveryShippedMatrixAndAnUnknownNameListsThem() throws Exception {
        List<String> files;
        try (var f = java.nio.file.Files.list(java.nio.file.Path.of("bench-configs"))) {
            files = f.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        }
        assertEquals(files, MatrixConfig.builtInNames(), "bench-configs/index.txt must list every bench-configs/*.yaml");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatrixConfig.builtIn("nosuchbuiltin"));
        assertEquals("no built-in config 'nosuchbuiltin' and no such file; built-in: " + String.join(", ", files), e.getMessage());
    }

    @Test
    void validConfigExpandsToTheCartesianProduct() {
        MatrixConfig c = MatrixConfig.parse("tiny.yaml", GOOD);
        List<CellKey> cells = c.cells();
        assertEquals(8, cells.size());
        assertEquals(new CellKey("resnet18", 2, 32, 0, Precision.FP32, Device.CPU), cells.get(0));
        assertEquals(new MeasureSettings(new RunSettings(1, 6, 1), new RunSettings(1, 2, 2)), c.settings());
    }

    @Test
    void splitIsACoordinateAndPlainCellsAreNotRepeated() {
        MatrixConfig c = MatrixConfig.parse("tiny.yaml", GOOD.replace("device: cpu", "device: cpu\nsplit: [uniform, torch]"));
        List<CellKey> cells = c.cells();
        // 2 models x 2 batches x (1 plain + 2 splits x 1 checkpointed count)
        assertEquals(12, cells.size());
        assertTrue(cells.contains(new CellKey("resnet18", 2, 32, 4, Split.TORCH, Precision.FP32, Device.CPU)));
        assertEquals("resnet18_b2_r32_s4_torch_fp32_cpu", new CellKey("resnet18", 2, 32, 4, Split.TORCH, Precision.FP32, Device.CPU).id());
        assertEquals("resnet18_b2_r32_s0_fp32_cpu", new CellKey("resnet18", 2, 32, 0, Split.TORCH, Precision.FP32, Device.CPU).id());
    }

    @Test
    void accumulationIsACoordinate() {
        MatrixConfig c = MatrixConfig.parse("tiny.yaml", GOOD + "accumulation: [1, 2]\n");
        List<CellKey> cells = c.cells();
        assertEquals(List.of(1, 2), c.accumulations());
        // 2 models x 2 batches x 2 accumulations x 2 segment counts
        assertEquals(16, cells.size());
        CellKey acc2 = new CellKey("resnet18", 4, 32, 4, Split.UNIFORM, Precision.FP32, Device.CPU, 2);
        assertTrue(cells.contains(acc2));
        assertEquals("resnet18_b4_r32_s4_fp32_cpu_acc2", acc2.id());
        assertEquals(2, acc2.microBatch());
        assertEquals(2, acc2.plain().accumulation());
        assertEquals("resnet18_b4_r32_s4_fp32_cpu", new CellKey("resnet18", 4, 32, 4, Split.UNIFORM, Precision.FP32, Device.CPU, 1).id());
        assertEquals(List.of(1), MatrixConfig.parse("tiny.yaml", GOOD).accumulations());
    }

    @Test
    void threadsSetTheForksIntraOpThreads() {
        assertEquals(null, MatrixConfig.parse("tiny.yaml", GOOD).settings().threads(), "absent: libtorch's default");
        MeasureSettings one = MatrixConfig.parse("tiny.yaml", GOOD + "threads: 1\n").settings();
        assertEquals(1, one.threads());
        assertEquals("-Dai.djl.pytorch.num_threads=1", MeasureSettings.threadsJvmArg(one.threads()));
        assertEquals(null, MeasureSettings.threadsJvmArg(MatrixConfig.parse("tiny.yaml", GOOD).settings().threads()));
        assertEquals("m.yaml:10: threads must be >= 1, got 0", error(GOOD + "threads: 0\n"));
        assertEquals("m.yaml:10: threads must be an integer >= 1, got 'all'", error(GOOD + "threads: all\n"));
    }

    @Test
    void accumulationMustDivideEveryBatchSize() {
        assertEquals("m.yaml:10: accumulation 4 does not divide batch size 2; allowed: a divisor of every batch size"
                + " (each step runs accumulation micro-batches of batch/accumulation)", error(GOOD + "accumulation: [1, 4]\n"));
        assertEquals("m.yaml:10: accumulation must be >= 1, got 0", error(GOOD + "accumulation: [0]\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"smoke", "seed-table", "zoo-cpu", "zoo-cpu-maxvit"})
    void builtInConfigsAreValid(String name) throws Exception {
        assertTrue(MatrixConfig.builtIn(name).cells().size() > 0);
    }

    static String error(String yaml) {
        return assertThrows(IllegalArgumentException.class, () -> MatrixConfig.parse("m.yaml", yaml)).getMessage();
    }

    @Test
    void timelineKeyIsOffByDefaultAndMustBeABoolean() {
        assertFalse(MatrixConfig.parse("tiny.yaml", GOOD).timeline());
        assertTrue(MatrixConfig.parse("tiny.yaml", GOOD + "timeline: true\n").timeline());
        String bad = error(GOOD + "timeline: yes please\n");
        assertTrue(bad.startsWith("m.yaml:") && bad.endsWith("timeline must be true or false, got 'yes please'"), bad);
    }

    @Test
    void timingOffMeasuresMemoryOnlyAndAnyOtherWordIsAnError() {
        assertFalse(MatrixConfig.parse("tiny.yaml", GOOD).settings().memoryOnly());
        MatrixConfig off = MatrixConfig.parse("tiny.yaml", GOOD.replace("timing: {warmup: 1, iterations: 6, forks: 1}", "timing: off"));
        assertTrue(off.settings().memoryOnly());
        assertEquals(new RunSettings(1, 2, 2), off.settings().memory());
        String bad = error(GOOD.replace("timing: {warmup: 1, iterations: 6, forks: 1}", "timing: none"));
        assertTrue(bad.startsWith("m.yaml:8: ") && bad.endsWith("timing must be a mapping with keys [warmup, iterations, forks] or off "
                + "(memory only), got 'none'"), bad);
    }

    @Test
    void errorsNameFileLineValueAndWhatIsAllowed() {
        assertEquals("m.yaml:4: unknown key 'modles'; allowed: name, device, precision, split, models, batch_sizes, resolutions, segments, "
                + "accumulation, timing, memory, threads, weights, reference, per_model, timeline",
                error(GOOD.replace("models:", "modles:")));
        String unknownModel = error(GOOD.replace("resnet50]", "resnet51]"));
        assertTrue(unknownModel.startsWith("m.yaml:4: unknown model 'resnet51'; allowed: resnet18, resnet34"), unknownModel);
        assertEquals("m.yaml:7: segments for resnet18 must be 0 (off) or between 1 and 10 (its checkpointable blocks), got 99",
                error(GOOD.replace("[0, 4]", "[0, 99]")));
        assertEquals("m.yaml:5: batch size must be >= 1, got 0", error(GOOD.replace("[2, 4]", "[2, 0]")));
        assertEquals("m.yaml:5: batch size must be an integer >= 1, got 'big'", error(GOOD.replace("[2, 4]", "[2, big]")));
        assertEquals("m.yaml:6: resnet18 needs a resolution >= 32, got 16", error(GOOD.replace("[32]", "[16]")));
        assertEquals("m.yaml:2: device must be one of cpu, gpu, got 'tpu'", error(GOOD.replace("device: cpu", "device: tpu")));
        assertEquals("m.yaml:3: split must be one of uniform, torch, optimal, got 'greedy'",
                error(GOOD.replace("device: cpu", "device: cpu\nsplit: [uniform, greedy]")));
        assertEquals("m.yaml:8: unknown key 'repeats'; allowed: warmup, iterations, forks", error(GOOD.replace("forks: 1}", "repeats: 1}")));
        assertTrue(error("models: [resnet18]\n").startsWith("m.yaml: missing key 'batch_sizes'"));
        assertTrue(error("models: [resnet18\n").startsWith("m.yaml:2: not valid YAML"));
        for (String msg : List.of(unknownModel, error("x: 1\n"))) {
            assertTrue(!msg.contains("\n"), "one line: " + msg);
        }
    }

    @Test
    void weightsMapAModelOfTheMatrixToAFileBesideTheConfig() {
        MatrixConfig c = MatrixConfig.parse("/tmp/cfgs/tiny.yaml",
                GOOD + "weights: {resnet50: w/r50.safetensors, resnet18: /abs/r18.safetensors}\n");
        assertEquals(java.nio.file.Path.of("/tmp/cfgs/w/r50.safetensors"), c.weights().get("resnet50"));
        assertEquals(java.nio.file.Path.of("/abs/r18.safetensors"), c.weights().get("resnet18"));
        assertEquals(java.util.Map.of(), MatrixConfig.parse("tiny.yaml", GOOD).weights(), "absent: random init");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MatrixConfig.parse("tiny.yaml", GOOD + "weights: {vit_b_16: v.safetensors}\n"));
        assertTrue(e.getMessage().startsWith("tiny.yaml:10: weights for 'vit_b_16', which is not in models; allowed: resnet18, resnet50"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MatrixConfig.parse("tiny.yaml", GOOD + "weights: r50.safetensors\n"));
        assertTrue(e.getMessage().contains("weights must map a model to a .safetensors file"), e.getMessage());
    }

    @Test
    void referenceNamesTheFrameworkBesideEveryCell() {
        assertEquals(List.of(org.medfusion.results.ReferenceFramework.TORCH),
                MatrixConfig.parse("tiny.yaml", GOOD + "reference: [torch]\n").references());
        assertEquals(List.of(), MatrixConfig.parse("tiny.yaml", GOOD).references(), "absent: no reference");
        assertEquals(List.of(org.medfusion.results.ReferenceFramework.TORCH), MatrixConfig.parse("tiny.yaml", GOOD)
                .withReference(org.medfusion.results.ReferenceFramework.TORCH).references(), "run --reference torch");
        assertEquals("tiny.yaml:10: reference must be one of torch, got 'tensorflow'",
                error2("tiny.yaml", GOOD + "reference: [tensorflow]\n"));
    }

    static String error2(String file, String yaml) {
        return assertThrows(IllegalArgumentException.class, () -> MatrixConfig.parse(file, yaml)).getMessage();
    }

    @Test
    void perModelGivesAModelItsOwnBatchesAndSegments() {
        MatrixConfig c = MatrixConfig.parse("tiny.yaml", GOOD + "per_model: {resnet50: {batch_sizes: [8], segments: [0, 2, 6]}}\n");
        assertEquals(List.of(8), c.batchSizesOf("resnet50"));
        assertEquals(List.of(0, 2, 6), c.segmentsOf("resnet50"));
        assertEquals(List.of(2, 4), c.batchSizesOf("resnet18"), "the others keep the matrix's");
        List<String> r50 = c.cells().stream().filter(k -> k.model().equals("resnet50")).map(org.medfusion.results.CellKey::id).toList();
        assertEquals(List.of("resnet50_b8_r32_s0_fp32_cpu", "resnet50_b8_r32_s2_fp32_cpu", "resnet50_b8_r32_s6_fp32_cpu"), r50);
        assertTrue(error2("tiny.yaml", GOOD + "per_model: {vit_b_16: {segments: [0]}}\n")
                .startsWith("tiny.yaml:10: per_model for 'vit_b_16', which is not in models"));
        assertEquals("tiny.yaml:10: unknown key 'iterations'; allowed: batch_sizes, resolutions, segments",
                error2("tiny.yaml", GOOD + "per_model: {resnet50: {iterations: [3]}}\n"));
        assertTrue(error2("tiny.yaml", GOOD + "per_model: {resnet18: {segments: [0, 99]}}\n")
                .startsWith("tiny.yaml:10: segments for resnet18 must be 0 (off) or between 1 and 10"));
    }
}
