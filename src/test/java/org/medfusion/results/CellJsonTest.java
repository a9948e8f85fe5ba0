package org.medfusion.results;

import org.medfusion.platform.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medfusion.checkpoint.Split;

class CellJsonTest {

    private static final CellResult CELL = CellResult.builder(
            new CellKey("resnet50", 16, 112, 4, Split.TORCH, Precision.FP32, Device.CPU), "ResNet", CellStatus.OK)
            .peak(123456L, MemoryMethod.CPU_RSS_PEAK).memoryRepeats(List.of(123000L, 123456L)).stepMsSamples(List.of(10.5, 11.0, 12.25))
            .stepMs(11.0, 10.5, 12.25).recomputeForwardMs(3.5).build();

    @Test
    void cellFilesAndRawCsvShareSnakeCaseFieldsAndLowerCaseStatus() throws Exception {
        JsonNode n = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(CELL));
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        assertEquals(CellJson.FIELDS, names);
        assertEquals(CellJson.FIELDS, RawCsv.COLUMNS.subList(0, CellJson.FIELDS.size()));
        assertEquals("ok", n.get("status").asText());
        assertEquals("torch", n.get("split").asText());
        assertEquals(3, n.get("step_ms_n").asInt());
        assertEquals(CELL, Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(CELL), CellResult.class));
    }

    @Test
    void readsCellFilesWrittenBeforeSnakeCase() throws Exception {
        String legacy = """
                {"key":{"model":"resnet50","batch":16,"res":112,"segments":0,"precision":"fp32","device":"cpu"},
                 "family":"ResNet","status":"OK","peakBytes":364679168,"memoryMethod":"cpu.rss.peak",
                 "memoryRepeats":[364183552,365174784],"stepMsSamples":[931.3,1405.7],"stepMsMedian":978.9,
                 "stepMsCiLow":938.4,"stepMsCiHigh":1049.6,"recomputeForwardMs":null,"message":null}""";
        CellResult r = Json.MAPPER.readValue(legacy, CellResult.class);
        assertEquals(new CellKey("resnet50", 16, 112, 0, Precision.FP32, Device.CPU), r.key());
        assertEquals(CellStatus.OK, r.status());
        assertEquals(364679168L, r.peakBytes());
        assertEquals(MemoryMethod.CPU_RSS_PEAK, r.memoryMethod());
        assertEquals(List.of(364183552L, 365174784L), r.memoryRepeats());
        assertEquals(List.of(931.3, 1405.7), r.stepMsSamples());
        assertEquals(938.4, r.stepMsCiLow());
        assertNull(r.recomputeForwardMs());
    }

    @Test
    void readsManifestsWrittenBeforeSnakeCaseAndWritesSnakeCase() throws Exception {
        String legacy = """
                {"runId":"smoke-a","configName":"smoke","configHash":"sha256:00","cells":[
                 {"model":"resnet50","batch":16,"res":112,"segments":0,"precision":"fp32","device":"cpu"}],
                 "environment":{"cpuModel":"AMD EPYC","cores":2,"memoryBytes":25276502016,"gpuName":"none",
                 "gpuDriver":"none","cudaVersion":"none","jvm":"j","os":"o","djlVersion":"0.36.0",
                 "libtorchVersion":"2.7.1"}}""";
        RunManifest m = Json.MAPPER.readValue(legacy, RunManifest.class);
        assertEquals("smoke-a", m.runId());
        assertEquals("AMD EPYC", m.environment().cpuModel());
        assertEquals(25276502016L, m.environment().memoryBytes());
        String written = Json.MAPPER.writeValueAsString(m);
        assertTrue(written.contains("\"run_id\"") && written.contains("\"cpu_model\""), written);
        assertEquals(m.environment(), Json.MAPPER.readValue(written, RunManifest.class).environment());
    }

    @Test
    void statusParsesAnyCaseAndNamesWhatIsAllowed() {
        assertEquals(CellStatus.OOM, CellStatus.parse("OOM"));
        assertEquals(CellStatus.OOM, CellStatus.parse("oom"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CellStatus.parse("fine"));
        assertEquals("status must be one of ok, oom, error, unsupported, crash, got 'fine'", e.getMessage());
    }

    @Test
    void memoryMethodsKeepTheirLabelsOnDiskAndAnUnknownOneIsNamed() throws Exception {
        JsonNode n = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(CELL));
        assertEquals("cpu.rss.peak", n.get("memory_method").asText());
        for (MemoryMethod m : MemoryMethod.values()) {
            assertEquals(m, MemoryMethod.parse(m.label()));
        }
        assertEquals(List.of("cpu.rss.peak", "cpu.malloc.peak", "cuda.reserved.peak", "cuda.allocated.peak"), MemoryMethod.labels());
        ((com.fasterxml.jackson.databind.node.ObjectNode) n).put("memory_method", "gpu.magic");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CellJson.fromNode(n));
        assertEquals("memory_method must be one of cpu.rss.peak, cpu.malloc.peak, cuda.reserved.peak, cuda.allocated.peak, got 'gpu.magic'",
                e.getMessage());
        ((com.fasterxml.jackson.databind.node.ObjectNode) n).putNull("memory_method");
        assertNull(CellJson.fromNode(n).memoryMethod());
    }
}
