package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.backbones.weights.SafeTensors;
import org.medfusion.backbones.weights.TorchvisionWeights;

/** {@code --weights} on the command line: a good file is used, a bad one is one line naming the key and exit 3. */
class WeightsCommandTest {

    @TempDir
    Path dir;

    /** resnet18's own initial weights under torchvision's names, less {@code skip} (null: all). */
    private Path export(String skip) throws Exception {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        try (Backbone b = BackboneRegistry.create("resnet18", BackboneOptions.defaults().withImageSize(32).withSeed(7))) {
            for (TorchvisionWeights.Binding x : TorchvisionWeights.bindings(b)) {
                if (!x.torchName().equals(skip)) {
                    shapes.put(x.torchName(), x.parameter().getArray().getShape().getShape());
                    values.put(x.torchName(), x.parameter().getArray().toFloatArray());
                }
            }
        }
        Path f = dir.resolve((skip == null ? "good" : "bad") + ".safetensors");
        SafeTensors.writeF32(f, shapes, values, Map.of());
        return f;
    }

    @Test
    void verifyLoadsAGoodFileAndRefusesABadOneWithExit3() throws Exception {
        Path good = export(null);
        CliRun ok = CliRun.exec("verify", "--model", "resnet18", "--batch", "2", "--res", "32", "--segments", "2", "--weights",
                good.toString(), "--format", "json");
        assertEquals(0, ok.code(), ok.err());
        Path bad = export("layer3.1.bn2.running_var");
        CliRun r = CliRun.exec("verify", "--model", "resnet18", "--batch", "2", "--res", "32", "--segments", "2", "--weights",
                bad.toString());
        assertEquals(ExitCodes.DATA, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("missing key 'layer3.1.bn2.running_var'"), r.err());
        CliRun none = CliRun.exec("verify", "--model", "resnet18", "--batch", "2", "--res", "32", "--segments", "2", "--weights",
                dir.resolve("none.safetensors").toString());
        assertEquals(ExitCodes.DATA, none.code(), none.err());
        assertTrue(none.err().contains("not found"), none.err());
    }

    @Test
    void trainYamlWeightsKeyIsResolvedBesideTheConfigAndChecked() throws Exception {
        Path bad = export("fc.bias");
        Path yaml = Files.writeString(dir.resolve("train.yaml"), "model:\n  backbone:\n    name: resnet18\n    weights: bad.safetensors\n"
                + "  num_classes: 1000\ntraining:\n  batch_size: 2\n  image_size: 32\n  steps: 1\n");
        CliRun r = CliRun.exec("train", "--config", yaml.toString(), "--out", dir.resolve("out").toString());
        assertEquals(ExitCodes.DATA, r.code(), r.err());
        assertTrue(r.err().contains("missing key 'fc.bias'") && r.err().contains(bad.toString()), r.err());
    }

    @Test
    void runRefusesABadWeightsFileOfItsConfigBeforeMeasuring() throws Exception {
        Path bad = export("conv1.weight");
        Path cfg = Files.writeString(dir.resolve("w.yaml"), "name: w\ndevice: cpu\nmodels: [resnet18]\nbatch_sizes: [2]\nresolutions: [32]\n"
                + "segments: [0]\nweights: {resnet18: " + bad.getFileName() + "}\n");
        CliRun r = CliRun.exec("run", "--config", cfg.toString(), "--out", dir.resolve("run").toString());
        assertEquals(ExitCodes.DATA, r.code(), r.err());
        assertTrue(r.err().contains("missing key 'conv1.weight'"), r.err());
        assertTrue(!Files.exists(dir.resolve("run").resolve("raw.csv")), "nothing measured");
    }
}
