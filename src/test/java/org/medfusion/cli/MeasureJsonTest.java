package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.medfusion.natives.Natives;
import org.medfusion.platform.Json;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;

/** {@code measure --format json} names the native fallback that produced its figures, with or without PyTorch beside. */
class MeasureJsonTest {

    @Test
    void carriesTheNativeFallbackInForce() throws Exception {
        CellResult r = CellResult.failed(new CellKey("resnet18", 2, 32, 0, Precision.FP32, Device.CPU), "ResNet",
                CellStatus.UNSUPPORTED, "no GPU");
        JsonNode n = Json.MAPPER.readTree(MeasureCommand.toJson(r));
        assertEquals(Natives.fallbackDescription(), n.path("native_fallback").asText());
        assertEquals(Natives.fallbackDescription(), Json.MAPPER.readTree(MeasureCommand.toJson(r, null)).path("native_fallback").asText());
    }
}
