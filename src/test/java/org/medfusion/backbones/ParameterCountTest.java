package org.medfusion.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.medfusion.backbones.weights.TorchvisionWeights;

/**
 * Every registered model, built at full size for 1000 classes, matches torchvision's counts exactly, and its parameters
 * pair with torchvision's recorded names and shapes ({@link TorchvisionWeights}).
 */
class ParameterCountTest {

    static List<String> models() {
        return BackboneRegistry.names();
    }

    @ParameterizedTest
    @MethodSource("models")
    void parameterAndBufferCountsEqualTorchvision(String name) {
        ReferenceCounts.Counts ref = ReferenceCounts.COUNTS.get(name);
        assertTrue(ref != null, "no reference count for " + name);
        assertEquals(ref.parameters(), ModelSummary.of(name).parameters(), name + " parameters as list-models counts them");
        try (Backbone b = BackboneRegistry.create(name)) {
            assertEquals(ref.parameters(), b.parameterCount(), name + " parameters");
            if (ref.floatBuffers() != null) {
                assertEquals(ref.floatBuffers(), b.bufferCount(), name + " float buffers");
            }
            // --weights: our parameters pair with torchvision's names in order, each of torchvision's shape
            List<TorchvisionWeights.TorchName> tv = TorchvisionWeights.recorded(name);
            List<TorchvisionWeights.Binding> bound = TorchvisionWeights.bindings(b);
            assertEquals(tv.size(), bound.size(), name + " parameters and buffers by torchvision's names");
            for (int i = 0; i < tv.size(); i++) {
                assertEquals(tv.get(i).name(), bound.get(i).torchName());
                assertArrayEquals(tv.get(i).shape224(), bound.get(i).parameter().getArray().getShape().getShape(),
                        name + ": " + tv.get(i).name() + " paired with our " + bound.get(i).ourPath());
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
