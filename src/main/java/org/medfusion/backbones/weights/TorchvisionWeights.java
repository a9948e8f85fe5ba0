package org.medfusion.backbones.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.medfusion.backbones.Backbone;

/**
 * Loads a torchvision state dict (safetensors, as {@code scripts/export_torchvision_weights.py} or
 * {@code safetensors.torch.save_file(model.state_dict(), ...)} writes it) into one of our backbones, by torchvision's
 * parameter and buffer names, BatchNorm running statistics included.
 *
 * <p>The mapping is data in two parts. (1) torchvision's names of each model, in torchvision's registration order, less
 * the buffers torchvision derives from the architecture ({@code num_batches_tracked}, {@code relative_position_index}):
 * {@code src/main/resources/org/medfusion/weights/torchvision-keys/<model>.txt}, recorded from torchvision 0.14 by
 * {@code export_torchvision_weights.py --key-lists}. (2) Our parameters in DJL's order (top-level block by block,
 * each block's own parameters before its children's), re-ordered within each top-level block by the family's
 * {@link #FAMILY_ORDER} where torchvision registers a module earlier than we build it (a projection shortcut before
 * the main branch, the patch-merging reduction before its norm, the position embedding after the patchifying conv).
 * The two lists are then paired in order, and every pair is checked: the same element count per name, the kind
 * ({@code weight}/{@code bias}/{@code running_mean}/... against our parameter's type) and the same shape. A pairing
 * that fails those checks is a bug of the mapping (the tests pair every registered model); a file that lacks a name,
 * has one more, or a tensor of another shape or dtype is the user's {@link WeightsException}, naming the key. Nothing
 * is copied before every check has passed: never a partial load.
 */
public final class TorchvisionWeights {

    /** Suffixes of buffers torchvision derives from the architecture: present in its files, never loaded. */
    public static final List<String> DERIVED_BUFFERS = List.of("num_batches_tracked", "relative_position_index");

    /**
     * Per family, where torchvision registers a module in another place than we build it: patterns over our parameter
     * paths (DJL's names within a top-level block) in the order torchvision has them; {@code *} is every other
     * parameter, which keeps our order. Families absent here need no re-ordering.
     */
    static final Map<String, List<String>> FAMILY_ORDER = Map.of(
            "ViT", List.of("^class_token$", "*", "^pos_embedding$"),   // encoder.pos_embedding follows conv_proj
            "Swin", List.of("reduction", "*"),                          // PatchMerging: reduction, then norm
            "RegNet", List.of("shortcut", "*"),                         // ResBottleneckBlock: proj, then f
            "MaxViT", List.of("shortcut", "*"));                        // MBConv: proj, then layers

    private static final String RESOURCE_DIR = "/org/medfusion/weights/torchvision-keys/";

    private TorchvisionWeights() {
    }

    /** One of our parameters and the torchvision name it holds. */
    public record Binding(String torchName, String ourPath, Parameter parameter) {
    }

    /** One of torchvision's names with its shape at 224 px and 1000 classes (as recorded from torchvision). */
    public record TorchName(String name, long[] shape224) {
    }

    /** torchvision's names of {@code model} in registration order (derived buffers left out). */
    public static List<String> torchvisionNames(String model) {
        return recorded(model).stream().map(TorchName::name).toList();
    }

    /** torchvision's names and shapes of {@code model} as recorded, in registration order. */
    public static List<TorchName> recorded(String model) {
        try (InputStream in = TorchvisionWeights.class.getResourceAsStream(RESOURCE_DIR + model + ".txt")) {
            if (in == null) {
                throw new WeightsException("no torchvision name list for model '" + model + "' (" + RESOURCE_DIR + model
                        + ".txt); loading torchvision weights is not supported for it");
            }
            List<TorchName> out = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    if (!line.isBlank() && !line.startsWith("#")) {
                        String[] f = line.strip().split(" ");
                        long[] shape = f.length < 2 || f[1].isEmpty() ? new long[0]
                                : Arrays.stream(f[1].split(",")).mapToLong(Long::parseLong).toArray();
                        out.add(new TorchName(f[0], shape));
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every parameter and buffer of {@code backbone} with its torchvision name, in torchvision's order. Throws
     * {@link IllegalStateException} when the pairing does not check out (a bug of the mapping, not of a file).
     */
    public static List<Binding> bindings(Backbone backbone) {
        List<String> names = torchvisionNames(backbone.name());
        List<Pair<String, Parameter>> ours = ordered(backbone);
        if (names.size() != ours.size()) {
            throw new IllegalStateException(backbone.name() + ": torchvision has " + names.size() + " parameters and buffers, we have "
                    + ours.size());
        }
        List<Binding> out = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            String tv = names.get(i);
            Pair<String, Parameter> p = ours.get(i);
            String expected = kindSuffix(p.getValue().getType());
            if (expected != null && !tv.endsWith("." + expected) && !(expected.equals("weight") && tv.endsWith("_weight"))
                    && !(expected.equals("bias") && tv.endsWith("_bias"))) {
                throw new IllegalStateException(backbone.name() + ": torchvision's " + tv + " paired with our " + p.getKey() + " ("
                        + p.getValue().getType() + ")");
            }
            out.add(new Binding(tv, p.getKey(), p.getValue()));
        }
        return out;
    }

    /** The torchvision name ending our parameter type must have, or null for a free-named one (class_token, tables). */
    private static String kindSuffix(Parameter.Type type) {
        switch (type) {
            case WEIGHT:
            case GAMMA:
                return "weight";
            case BIAS:
            case BETA:
                return "bias";
            case RUNNING_MEAN:
                return "running_mean";
            case RUNNING_VAR:
                return "running_var";
            default:
                return null;
        }
    }

    /** Our parameters, block by block, each block's re-ordered by {@link #FAMILY_ORDER}. Paths are prefixed with the block index. */
    static List<Pair<String, Parameter>> ordered(Backbone backbone) {
        List<String> order = FAMILY_ORDER.getOrDefault(backbone.family(), List.of("*"));
        List<Pattern> patterns = order.stream().map(s -> s.equals("*") ? null : Pattern.compile(s)).toList();
        int rest = order.indexOf("*");
        List<Pair<String, Parameter>> out = new ArrayList<>();
        int index = 0;
        for (Block block : backbone.blocks()) {
            List<Pair<String, Parameter>> params = new ArrayList<>();
            for (Pair<String, Parameter> p : block.getParameters()) {
                params.add(p);
            }
            List<Integer> ranks = new ArrayList<>();
            for (Pair<String, Parameter> p : params) {
                int rank = rest;
                for (int i = 0; i < patterns.size(); i++) {
                    if (patterns.get(i) != null && patterns.get(i).matcher(p.getKey()).find()) {
                        rank = i;
                        break;
                    }
                }
                ranks.add(rank);
            }
            Integer[] idx = new Integer[params.size()];
            Arrays.setAll(idx, i -> i);
            Arrays.sort(idx, Comparator.comparingInt((Integer i) -> ranks.get(i)).thenComparingInt(i -> i));
            for (int i : idx) {
                out.add(new Pair<>(index + "/" + params.get(i).getKey(), params.get(i).getValue()));
            }
            index++;
        }
        return out;
    }

    /**
     * Loads {@code file} into {@code backbone}: all or nothing. Every key of the file must be one of torchvision's
     * names of the model (or a derived buffer), every name must be in the file, every tensor F32 and of our shape.
     *
     * @return the file's metadata (the exporter records the source: pretrained file or random-init seed)
     */
    public static Map<String, String> load(Backbone backbone, Path file) {
        SafeTensors.Contents contents = SafeTensors.read(file);
        List<Binding> bindings = bindings(backbone);
        Set<String> expected = new LinkedHashSet<>();
        for (Binding b : bindings) {
            expected.add(b.torchName());
        }
        for (String key : contents.tensors().keySet()) {
            if (!expected.contains(key) && DERIVED_BUFFERS.stream().noneMatch(s -> key.endsWith("." + s))) {
                throw new WeightsException(file + ": unexpected key '" + key + "': torchvision's " + backbone.name() + " has no such "
                        + "parameter or buffer (is the file another model's?)");
            }
        }
        Map<Binding, float[]> values = new LinkedHashMap<>();
        for (Binding b : bindings) {
            SafeTensors.Tensor t = contents.tensors().get(b.torchName());
            if (t == null) {
                throw new WeightsException(file + ": missing key '" + b.torchName() + "' (" + backbone.name() + " needs all "
                        + bindings.size() + " parameters and buffers; nothing was loaded)");
            }
            if (!"F32".equals(t.dtype())) {
                throw new WeightsException(file + ": key '" + b.torchName() + "' has dtype " + t.dtype() + "; only F32 is supported");
            }
            long[] ours = b.parameter().getArray().getShape().getShape();
            if (!Arrays.equals(ours, t.shape())) {
                throw new WeightsException(file + ": key '" + b.torchName() + "' has shape " + t.shapeText() + ", " + backbone.name()
                        + " at " + backbone.options().imageSize() + " px needs " + SafeTensors.Tensor.shapeText(ours));
            }
            values.put(b, t.floats());
        }
        for (Map.Entry<Binding, float[]> e : values.entrySet()) {
            NDArray array = e.getKey().parameter().getArray();
            array.set(FloatBuffer.wrap(e.getValue()));
        }
        return contents.metadata();
    }
}
