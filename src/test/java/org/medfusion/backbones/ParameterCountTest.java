package org.medfusion.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every registered model, built at full size for 1000 classes, matches torchvision's counts exactly. */
class ParameterCountTest {

    static List<String> models() {
        return BackboneRegistry.names();
    }

    @ParameterizedTest
    @MethodSource("models")
    void parameterAndBufferCountsEqualTorchvision(String name) {
        ReferenceCounts.Counts ref = ReferenceCounts.COUNTS.get(name);
        assertTrue(ref != null, "no reference count for " + name);
        try (Backbone b = BackboneRegistry.create(name)) {
            assertEquals(ref.parameters(), b.parameterCount(), name + " parameters");
            if (ref.floatBuffers() != null) {
                assertEquals(ref.floatBuffers(), b.bufferCount(), name + " float buffers");
            }
        }
    }

    @Test
    void everyReferenceModelIsRegistered() {
        // Families register as they land; this pins the ones that exist to the reference list.
        for (String name : BackboneRegistry.names()) {
            assertTrue(ReferenceCounts.COUNTS.containsKey(name), name + " is not a torchvision model");
        }
    }
}
