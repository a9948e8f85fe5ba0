package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.backbones.ConvShapes;
import org.medfusion.backbones.ConvShapes.ModelAtSize;
import org.medfusion.natives.ConvCall;
import org.medfusion.natives.ConvShape;

/**
 * The native preflight covers what will run, by construction, and this proves it machine-independently: for every
 * registered model at its smallest valid size and for every model and size of every built-in CPU config, the
 * convolution shape classes the model executes (recorded at {@link ConvCall}, the only call site, during a real
 * forward pass) are exactly the classes the preflight probes for it ({@link ConvShapes}, what {@code run} and every
 * command hand to the probe). Backward runs the same classes as forward (a convolution's gradients are convolutions
 * of the same class), so the forward pass is the witness.
 */
class ProbeCoverageTest {

    static List<ModelAtSize> cases() throws Exception {
        Set<ModelAtSize> out = new LinkedHashSet<>();
        for (String name : BackboneRegistry.names()) {
            out.add(new ModelAtSize(name, org.medfusion.backbones.ZooSizes.smallestResolution(BackboneRegistry.spec(name))));
        }
        for (String config : builtInConfigs()) {
            out.addAll(RunCommand.modelsOf(RunCommand.loadConfig(config).cells()));
        }
        return new ArrayList<>(out);
    }

    static List<String> builtInConfigs() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("bench-configs"))) {
            return files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml"))
                    .map(f -> f.substring(0, f.length() - ".yaml".length())).sorted().toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyConvolutionTheModelExecutesIsProbed(ModelAtSize m) {
        Set<ConvShape> probed = ConvShapes.of(List.of(m));
        Set<ConvShape> executed;
        try (Backbone b = BackboneRegistry.create(m.model(), BackboneOptions.defaults().withNumClasses(10).withImageSize(m.imageSize()));
                NDManager data = b.manager().newSubManager()) {
            NDArray x = data.randomNormal(new Shape(1, 3, m.imageSize(), m.imageSize()));
            ParameterStore ps = new ParameterStore(b.manager(), false);
            executed = new TreeSet<>(ConvCall.recordDuring(() -> b.forwardInference(ps, x, data).close()));
        }
        assertTrue(!executed.isEmpty(), m + " ran no convolution");
        Set<ConvShape> missing = new TreeSet<>(executed);
        missing.removeAll(probed);
        assertTrue(missing.isEmpty(), m + " executes convolutions the preflight does not probe: " + missing);
        assertEquals(executed, new TreeSet<>(probed), m + ": the probe list holds classes the model never runs");
    }
}
