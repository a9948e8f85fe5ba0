package org.medfusion.train;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.models.MultiViewClassifier;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * A training run from the seed guide's YAML config. Every error is one line naming the file, the
 * line, the bad value and what is allowed; unknown keys are errors (a typo must not silently fall
 * back to a default).
 *
 * <pre>
 * model:
 *   backbone:
 *     name: resnet50          # see list-models
 *     pretrained: true        # loads $MEDFUSION_WEIGHTS_DIR/&lt;name&gt;.params
 *     feature_dim: 128        # 0: the classifier itself
 *     weights: r50.safetensors # optional: torchvision weights by torchvision's names (relative to this file);
 *                             # the head must keep torchvision's shape (feature_dim 0, num_classes 1000)
 *   num_classes: 2            # optional, default 2
 *   views: 4                  # optional: a MultiViewClassifier over this many views (input (B, views, C, H, W))
 *   aggregation: attention    # optional with views: mean | max | attention (default attention)
 * training:
 *   gradient_checkpointing:
 *     enabled: true
 *     segments: 4             # optional, default: the model's (4 for CNNs, layers for transformers)
 *   use_amp: true             # mixed precision (float16 compute, float32 masters, loss scaling)
 *   batch_size: 32
 *   learning_rate: 0.0001     # optional, AdamW, default 1e-4
 *   accumulation_steps: 1     # optional, micro-batches per optimizer step
 *   image_size: 224           # optional, default 224
 *   steps: 100                # optional, default 100 (--steps overrides)
 *   memory_every: 10          # optional, memory monitor period in steps, default 10
 * </pre>
 */
public record TrainConfig(String backbone, boolean pretrained, int featureDim, int numClasses, boolean checkpointing,
        Integer segments, boolean useAmp, int batchSize, float learningRate, int accumulationSteps, int imageSize,
        int steps, int memoryEvery, int views, MultiViewClassifier.Aggregation aggregation, java.nio.file.Path weights) {

    static final List<String> TOP = List.of("model", "training");
    static final List<String> MODEL = List.of("backbone", "num_classes", "views", "aggregation");
    static final List<String> BACKBONE = List.of("name", "pretrained", "feature_dim", "weights");
    static final List<String> TRAINING = List.of("gradient_checkpointing", "use_amp", "batch_size", "learning_rate",
            "accumulation_steps", "image_size", "steps", "memory_every");
    static final List<String> CHECKPOINTING = List.of("enabled", "segments");

    public static TrainConfig load(Path file) throws IOException {
        try {
            return parse(file.toString(), Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("config file not found: " + file);
        }
    }

    public static TrainConfig parse(String file, String text) {
        Node root;
        try (Reader r = new StringReader(text)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(r);
        } catch (MarkedYAMLException e) {
            throw new IllegalArgumentException(file + ":" + (e.getProblemMark().getLine() + 1) + ": not valid YAML: " + e.getProblem());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
        if (!(root instanceof MappingNode)) {
            throw new IllegalArgumentException(file + ":1: expected a mapping with keys " + TOP);
        }
        Map<String, Node> top = mapping(file, root, TOP, "the top level");
        Map<String, Node> model = mapping(file, required(file, top, "model", root), MODEL, "model");
        Map<String, Node> backbone = mapping(file, required(file, model, "backbone", top.get("model")), BACKBONE, "model.backbone");
        Node nameNode = required(file, backbone, "name", model.get("backbone"));
        String name = scalar(file, nameNode);
        try {
            BackboneRegistry.spec(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at(file, nameNode) + e.getMessage());
        }
        Map<String, Node> training = top.containsKey("training") ? mapping(file, top.get("training"), TRAINING, "training") : Map.of();
        Map<String, Node> ckpt = training.containsKey("gradient_checkpointing")
                ? mapping(file, training.get("gradient_checkpointing"), CHECKPOINTING, "training.gradient_checkpointing") : Map.of();
        Integer segments = ckpt.containsKey("segments") ? integer(file, ckpt.get("segments"), 1, "segments") : null;
        int views = model.containsKey("views") ? integer(file, model.get("views"), 1, "views") : 0;
        MultiViewClassifier.Aggregation aggregation = MultiViewClassifier.Aggregation.ATTENTION;
        if (model.containsKey("aggregation")) {
            if (views == 0) {
                throw new IllegalArgumentException(at(file, model.get("aggregation")) + "aggregation needs model.views (the multi-view model)");
            }
            try {
                aggregation = MultiViewClassifier.Aggregation.parse(scalar(file, model.get("aggregation")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at(file, model.get("aggregation")) + e.getMessage());
            }
        }
        return new TrainConfig(name,
                bool(file, backbone.get("pretrained"), false),
                backbone.containsKey("feature_dim") ? integer(file, backbone.get("feature_dim"), 0, "feature_dim") : 0,
                model.containsKey("num_classes") ? integer(file, model.get("num_classes"), 2, "num_classes") : 2,
                bool(file, ckpt.get("enabled"), false),
                segments,
                bool(file, training.get("use_amp"), false),
                training.containsKey("batch_size") ? integer(file, training.get("batch_size"), 1, "batch_size") : 32,
                training.containsKey("learning_rate") ? positive(file, training.get("learning_rate"), "learning_rate") : 1e-4f,
                training.containsKey("accumulation_steps") ? integer(file, training.get("accumulation_steps"), 1, "accumulation_steps") : 1,
                training.containsKey("image_size") ? integer(file, training.get("image_size"), 1, "image_size") : 224,
                training.containsKey("steps") ? integer(file, training.get("steps"), 1, "steps") : 100,
                training.containsKey("memory_every") ? integer(file, training.get("memory_every"), 1, "memory_every") : 10,
                views, aggregation, weights(file, backbone));
    }

    /** {@code model.backbone.weights}: a torchvision safetensors file, relative to the config's folder; null if absent. */
    private static java.nio.file.Path weights(String file, Map<String, Node> backbone) {
        Node n = backbone.get("weights");
        if (n == null) {
            return null;
        }
        if (bool(file, backbone.get("pretrained"), false)) {
            throw new IllegalArgumentException(at(file, n) + "weights and pretrained: true both set the initial weights; allowed: one of them");
        }
        String v = scalar(file, n);
        if (v.isBlank()) {
            throw new IllegalArgumentException(at(file, n) + "weights must name a .safetensors file, got ''");
        }
        java.nio.file.Path p = java.nio.file.Path.of(v);
        java.nio.file.Path dir = java.nio.file.Path.of(file).toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize();
    }

    private static Node required(String file, Map<String, Node> map, String key, Node parent) {
        Node n = map.get(key);
        if (n == null) {
            throw new IllegalArgumentException(at(file, parent) + "missing key '" + key + "'");
        }
        return n;
    }

    private static Map<String, Node> mapping(String file, Node node, List<String> allowed, String where) {
        if (!(node instanceof MappingNode)) {
            throw new IllegalArgumentException(at(file, node) + where + " must be a mapping with keys " + allowed);
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : ((MappingNode) node).getValue()) {
            String key = scalar(file, t.getKeyNode());
            if (!allowed.contains(key)) {
                throw new IllegalArgumentException(at(file, t.getKeyNode()) + "unknown key '" + key + "' in " + where
                        + "; allowed: " + allowed);
            }
            if (out.put(key, t.getValueNode()) != null) {
                throw new IllegalArgumentException(at(file, t.getKeyNode()) + "duplicate key '" + key + "' in " + where);
            }
        }
        return out;
    }

    private static String scalar(String file, Node n) {
        if (!(n instanceof ScalarNode)) {
            throw new IllegalArgumentException(at(file, n) + "expected a single value");
        }
        return ((ScalarNode) n).getValue();
    }

    private static boolean bool(String file, Node n, boolean absent) {
        if (n == null) {
            return absent;
        }
        String v = scalar(file, n);
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException(at(file, n) + "expected true or false, got '" + v + "'");
    }

    private static int integer(String file, Node n, int min, String what) {
        String v = scalar(file, n);
        try {
            int i = Integer.parseInt(v);
            if (i >= min) {
                return i;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(at(file, n) + what + " must be an integer >= " + min + ", got '" + v + "'");
    }

    private static float positive(String file, Node n, String what) {
        String v = scalar(file, n);
        try {
            float f = Float.parseFloat(v);
            if (f > 0 && Float.isFinite(f)) {
                return f;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(at(file, n) + what + " must be a positive number, got '" + v + "'");
    }

    private static String at(String file, Node n) {
        return file + ":" + (n.getStartMark().getLine() + 1) + ": ";
    }

    public TrainConfig withSteps(int value) {
        return new TrainConfig(backbone, pretrained, featureDim, numClasses, checkpointing, segments, useAmp, batchSize,
                learningRate, accumulationSteps, imageSize, value, memoryEvery, views, aggregation, weights);
    }

    /** Whether the model is the multi-view classifier ({@code model.views} set). */
    public boolean multiView() {
        return views > 0;
    }
}
