package org.medfusion.backbones.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;

/**
 * The safetensors reader and the load by torchvision's names, without Python: files written here in torchvision's
 * names from a backbone's own values (shifted, so a load is visible), then broken one way at a time.
 */
class TorchvisionWeightsTest {

    @TempDir
    Path dir;

    private static Backbone resnet18(long seed) {
        return BackboneRegistry.create("resnet18", BackboneOptions.defaults().withImageSize(32).withSeed(seed));
    }

    /** A torchvision-named file of {@code b}'s values plus {@code shift}, with num_batches_tracked as torchvision has it. */
    private static Path export(Backbone b, Path file, float shift) throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (TorchvisionWeights.Binding x : TorchvisionWeights.bindings(b)) {
            float[] v = x.parameter().getArray().toFloatArray();
            for (int i = 0; i < v.length; i++) {
                v[i] += shift;
            }
            shapes.put(x.torchName(), x.parameter().getArray().getShape().getShape());
            values.put(x.torchName(), v);
        }
        SafeTensors.writeF32(file, shapes, values, Map.of("model", b.name()));
        return file;
    }

    private static float[] first(Backbone b) {
        return TorchvisionWeights.bindings(b).get(0).parameter().getArray().toFloatArray();
    }

    @Test
    void validFileLoadsEveryParameterAndBuffer() throws IOException {
        try (Backbone src = resnet18(1); Backbone dst = resnet18(2)) {
            Path f = export(src, dir.resolve("r18.safetensors"), 0.5f);
            SafeTensors.Contents c = SafeTensors.read(f);
            assertEquals(TorchvisionWeights.torchvisionNames("resnet18"), List.copyOf(c.tensors().keySet()));
            assertEquals("resnet18", c.metadata().get("model"));
            Map<String, String> meta = TorchvisionWeights.load(dst, f);
            assertEquals("resnet18", meta.get("model"));
            List<TorchvisionWeights.Binding> a = TorchvisionWeights.bindings(src);
            List<TorchvisionWeights.Binding> b = TorchvisionWeights.bindings(dst);
            for (int i = 0; i < a.size(); i++) {
                float[] want = a.get(i).parameter().getArray().toFloatArray();
                for (int j = 0; j < want.length; j++) {
                    want[j] += 0.5f;
                }
                assertArrayEquals(want, b.get(i).parameter().getArray().toFloatArray(), a.get(i).torchName());
            }
            assertTrue(a.stream().anyMatch(x -> x.torchName().endsWith("running_var")), "BatchNorm running stats are loaded");
        }
    }

    @Test
    void truncatedFileIsOneErrorNamingTheTensor() throws IOException {
        try (Backbone b = resnet18(1)) {
            Path f = export(b, dir.resolve("r18.safetensors"), 0f);
            byte[] all = Files.readAllBytes(f);
            Path cut = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(all, all.length - 100));
            WeightsException e = assertThrows(WeightsException.class, () -> TorchvisionWeights.load(b, cut));
            assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("fc.bias"), e.getMessage());
            Path header = Files.write(dir.resolve("header.safetensors"), Arrays.copyOf(all, 20));
            e = assertThrows(WeightsException.class, () -> SafeTensors.read(header));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    /** Rewrites one tensor's header entry (dtype or shape) of a file, keeping the data. */
    private static Path rewriteHeader(Path src, Path dst, String from, String to) throws IOException {
        byte[] all = Files.readAllBytes(src);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) b.getLong();
        String header = new String(all, 8, n, StandardCharsets.UTF_8);
        assertTrue(header.contains(from), header);
        byte[] h = header.replace(from, to).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + all.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(all, 8 + n, all.length - 8 - n);
        return Files.write(dst, out.array());
    }

    @Test
    void wrongDtypeWrongShapeMissingAndUnexpectedKeysAreErrorsNamingTheKeyAndLoadNothing() throws IOException {
        try (Backbone src = resnet18(1); Backbone dst = resnet18(2)) {
            Path good = export(src, dir.resolve("r18.safetensors"), 0.5f);
            float[] before = first(dst);
            // F16 declared for 32 float32 bytes of fc.bias' 1000 values: the size check names it; a real F16 tensor of
            // the right byte count names its dtype
            Path dtype = rewriteHeader(good, dir.resolve("dtype.safetensors"),
                    "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[1000]", "\"fc.bias\":{\"dtype\":\"F16\",\"shape\":[2000]");
            WeightsException e = assertThrows(WeightsException.class, () -> TorchvisionWeights.load(dst, dtype));
            assertTrue(e.getMessage().contains("'fc.bias'") && e.getMessage().contains("dtype F16"), e.getMessage());

            Path shape = rewriteHeader(good, dir.resolve("shape.safetensors"),
                    "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[1000]", "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[10,100]");
            e = assertThrows(WeightsException.class, () -> TorchvisionWeights.load(dst, shape));
            assertTrue(e.getMessage().contains("'fc.bias' has shape (10, 100)") && e.getMessage().contains("(1000,)"), e.getMessage());

            Path missing = rewriteHeader(good, dir.resolve("missing.safetensors"), "\"bn1.running_var\"", "\"bn1.running_vat\"");
            e = assertThrows(WeightsException.class, () -> TorchvisionWeights.load(dst, missing));
            assertTrue(e.getMessage().contains("'bn1.running_vat'"), "the stray key comes first: " + e.getMessage());
            assertTrue(e.getMessage().startsWith(missing.toString()), e.getMessage());

            // a file without one key: missing, named
            Map<String, long[]> shapes = new LinkedHashMap<>();
            Map<String, float[]> values = new LinkedHashMap<>();
            for (TorchvisionWeights.Binding x : TorchvisionWeights.bindings(src)) {
                if (!x.torchName().equals("layer2.0.downsample.1.running_mean")) {
                    shapes.put(x.torchName(), x.parameter().getArray().getShape().getShape());
                    values.put(x.torchName(), x.parameter().getArray().toFloatArray());
                }
            }
            Path lacking = dir.resolve("lacking.safetensors");
            SafeTensors.writeF32(lacking, shapes, values, Map.of());
            e = assertThrows(WeightsException.class, () -> TorchvisionWeights.load(dst, lacking));
            assertTrue(e.getMessage().contains("missing key 'layer2.0.downsample.1.running_mean'"), e.getMessage());

            // another model's file: unexpected key
            try (Backbone other = BackboneRegistry.create("resnet50", BackboneOptions.defaults().withImageSize(32))) {
                Path r50 = export(other, dir.resolve("r50.safetensors"), 0f);
                e = assertThrows(WeightsException.class, () -> TorchvisionWeights.load(dst, r50));
                assertTrue(e.getMessage().contains("unexpected key 'layer1.0.conv3.weight'"), e.getMessage());
            }
            assertArrayEquals(before, first(dst), "a failed load changes nothing");
        }
    }

    @Test
    void notASafetensorsFileAndAMissingFileAreOneLine() throws IOException {
        try (Backbone b = resnet18(1)) {
            Path junk = Files.writeString(dir.resolve("junk.safetensors"), "not a safetensors file at all");
            WeightsException e = assertThrows(WeightsException.class, () -> TorchvisionWeights.load(b, junk));
            assertTrue(e.getMessage().contains("not a safetensors file"), e.getMessage());
            e = assertThrows(WeightsException.class, () -> TorchvisionWeights.load(b, dir.resolve("none.safetensors")));
            assertTrue(e.getMessage().contains("not found"), e.getMessage());
        }
    }
}
