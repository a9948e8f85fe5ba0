package org.medfusion.bench;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.backbones.ModelSpec;
import org.medfusion.checkpoint.SegmentCount;
import org.medfusion.checkpoint.Split;
import org.medfusion.results.CellKey;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import org.medfusion.results.ReferenceFramework;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A benchmark matrix from {@code bench-configs/*.yaml}: models x batch sizes x resolutions x
 * precisions x segment counts (0 = off) on one device, with the iteration counts of timing and
 * memory forks. The whole file is validated before anything runs; every error is one line naming
 * the file, the line, the bad value and what is allowed.
 *
 * <pre>
 * name: smoke
 * device: cpu                 # cpu | gpu
 * precision: [fp32]           # fp32 | amp
 * split: [uniform]            # uniform | torch (segment boundaries; default uniform)
 * models: [resnet50]
 * batch_sizes: [16]
 * resolutions: [112]
 * segments: [0, 2, 4, 8]      # 0 = checkpointing off
 * accumulation: [1, 4]        # optional, default [1]: micro-batches of batch/k per optimizer step (must divide every batch size)
 * timing: {warmup: 3, iterations: 10, forks: 1}   # or "off": memory forks only, every time figure missing
 * memory: {warmup: 2, iterations: 3, forks: 2}
 * threads: 1                  # optional: libtorch intra-op threads per fork (default: libtorch's, one per core)
 * weights: {resnet50: r50.safetensors}  # optional: torchvision weights per model (see docs/pytorch-parity.md), relative
 *                                       # to this file; every fork of that model loads them by torchvision's names
 * reference: [torch]          # optional: each cell also measured in the machine's PyTorch and stored beside it
 *                             # (docs/pytorch-parity.md); "not available" without PyTorch, never an error
 * per_model: {vit_b_16: {segments: [0, 4, 12]}}   # optional: a model's own batch_sizes, resolutions or segments
 * timeline: true              # optional, default false: also record one step's memory timeline per measured cell
 *                             # (timelines/&lt;cell&gt;/timeline.csv, docs/memory-timeline.md)
 * </pre>
 */
public record MatrixConfig(String name, Device device, List<Precision> precisions, List<Split> splits, List<String> models,
        List<Integer> batchSizes, List<Integer> resolutions, List<Integer> segments, List<Integer> accumulations, MeasureSettings settings,
        String source, Map<String, java.nio.file.Path> weights, List<ReferenceFramework> references, Map<String, ModelAxes> perModel,
        boolean timeline) {

    /**
     * One model's own batch sizes, resolutions or segment counts ({@code per_model:}), where the seed's tables give a
     * model other cells than the rest (ViT-B/16 at 12 segments, one per encoder layer); null keeps the matrix's.
     */
    public record ModelAxes(List<Integer> batchSizes, List<Integer> resolutions, List<Integer> segments) {
    }

    /** {@code model}'s batch sizes: its {@code per_model} ones, else the matrix's. */
    public List<Integer> batchSizesOf(String model) {
        ModelAxes a = perModel.get(model);
        return a != null && a.batchSizes() != null ? a.batchSizes() : batchSizes;
    }

    /** {@code model}'s resolutions: its {@code per_model} ones, else the matrix's. */
    public List<Integer> resolutionsOf(String model) {
        ModelAxes a = perModel.get(model);
        return a != null && a.resolutions() != null ? a.resolutions() : resolutions;
    }

    /** {@code model}'s segment counts: its {@code per_model} ones, else the matrix's. */
    public List<Integer> segmentsOf(String model) {
        ModelAxes a = perModel.get(model);
        return a != null && a.segments() != null ? a.segments() : segments;
    }

    static final List<String> KEYS = List.of("name", "device", "precision", "split", "models", "batch_sizes", "resolutions", "segments",
            "accumulation", "timing", "memory", "threads", "weights", "reference", "per_model",
            "timeline");
    static final List<String> MODEL_AXES_KEYS = List.of("batch_sizes", "resolutions", "segments");
    static final List<String> REQUIRED = List.of("models", "batch_sizes", "resolutions", "segments");
    static final List<String> RUN_KEYS = List.of("warmup", "iterations", "forks");
    /** What a config name may be: it becomes a directory name under {@code results/}. */
    static final java.util.regex.Pattern RUN_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._-]+");

    /** This matrix with {@code framework} beside every cell too ({@code run --reference}), unless the config has it already. */
    public MatrixConfig withReference(ReferenceFramework framework) {
        if (references.contains(framework)) {
            return this;
        }
        List<ReferenceFramework> more = new ArrayList<>(references);
        more.add(framework);
        return new MatrixConfig(name, device, precisions, splits, models, batchSizes, resolutions, segments, accumulations, settings,
                source, weights, List.copyOf(more), perModel, timeline);
    }

    /** Every cell of the matrix, in a stable order; a plain cell (segments 0) once, whatever the splits. */
    public List<CellKey> cells() {
        List<CellKey> out = new ArrayList<>();
        for (String m : models) {
            for (int b : batchSizesOf(m)) {
                for (int r : resolutionsOf(m)) {
                    for (Precision p : precisions) {
                        for (int a : accumulations) {
                            for (Split split : splits) {
                                for (int s : segmentsOf(m)) {
                                    CellKey k = new CellKey(m, b, r, s, split, p, device, a);
                                    if (!out.contains(k)) {
                                        out.add(k);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    public static MatrixConfig load(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("config file not found: " + file);
        }
        return parse(file.toString(), text);
    }

    /** The names of the configs shipped in the jar (listed in {@code bench-configs/index.txt} at build time). */
    public static java.util.List<String> builtInNames() {
        try (var in = MatrixConfig.class.getResourceAsStream("/bench-configs/index.txt")) {
            return in == null ? java.util.List.of() : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).sorted().toList();
        } catch (IOException e) {
            return java.util.List.of();
        }
    }

    /** A config shipped in the jar ({@code bench-configs/<name>.yaml}). */
    public static MatrixConfig builtIn(String name) throws IOException {
        try (var in = MatrixConfig.class.getResourceAsStream("/bench-configs/" + name + ".yaml")) {
            if (in == null) {
                throw new IllegalArgumentException("no built-in config '" + name + "' and no such file; built-in: "
                        + String.join(", ", builtInNames()));
            }
            return parse("bench-configs/" + name + ".yaml", new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    public static MatrixConfig parse(String fileName, String text) {
        Node root;
        try (Reader r = new StringReader(text)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(r);
        } catch (MarkedYAMLException e) {
            throw new IllegalArgumentException(fileName + ":" + (e.getProblemMark().getLine() + 1) + ": not valid YAML: " + e.getProblem());
        } catch (IOException e) {
            throw new IllegalArgumentException(fileName + ": " + e.getMessage());
        }
        if (!(root instanceof MappingNode)) {
            throw new IllegalArgumentException(fileName + ":1: expected a mapping with keys " + KEYS);
        }
        Map<String, Node> map = mapping(fileName, (MappingNode) root, KEYS);
        for (String k : REQUIRED) {
            if (!map.containsKey(k)) {
                throw new IllegalArgumentException(fileName + ": missing key '" + k + "'; required: " + REQUIRED);
            }
        }
        String name = map.containsKey("name") ? scalar(fileName, map.get("name"))
                : fileName.replaceAll(".*/|\\.ya?ml$", "").replaceAll("[^A-Za-z0-9._-]", "_");
        if (!RUN_NAME.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException(fileName + ": name '" + name + "' must match [A-Za-z0-9._-]+ without '..'"
                    + " (it names the run directory under results/)");
        }
        Device device = map.containsKey("device") ? parsed(fileName, map.get("device"), Device::parse) : Device.CPU;
        List<Precision> precisions = labels(fileName, map.get("precision"), Precision::parse, Precision.FP32);
        List<Split> splits = labels(fileName, map.get("split"), Split::parse, Split.UNIFORM);
        List<String> models = new ArrayList<>();
        List<Node> modelNodes = list(fileName, map.get("models"));
        for (Node n : modelNodes) {
            String m = scalar(fileName, n);
            if (!BackboneRegistry.contains(m)) {
                throw new IllegalArgumentException(at(fileName, n) + "unknown model '" + m + "'; allowed: "
                        + String.join(", ", BackboneRegistry.names()));
            }
            models.add(m);
        }
        List<Integer> batches = ints(fileName, map.get("batch_sizes"), 1, "batch size");
        List<Integer> resolutions = ints(fileName, map.get("resolutions"), 1, "resolution");
        List<Integer> segments = ints(fileName, map.get("segments"), 0, "segment count (0 = off)");
        List<Integer> accumulations = map.containsKey("accumulation") ? ints(fileName, map.get("accumulation"), 1, "accumulation")
                : List.of(1);
        Map<String, ModelAxes> perModel = perModel(fileName, map.get("per_model"), models);
        List<Integer> allBatches = new ArrayList<>(batches);
        perModel.values().stream().filter(a -> a.batchSizes() != null).forEach(a -> allBatches.addAll(a.batchSizes()));
        for (int i = 0; i < accumulations.size(); i++) {
            for (int b : allBatches) {
                if (b % accumulations.get(i) != 0) {
                    Node n = map.get("accumulation") instanceof SequenceNode seq ? seq.getValue().get(i) : map.get("accumulation");
                    throw new IllegalArgumentException(at(fileName, n) + "accumulation " + accumulations.get(i) + " does not divide batch size "
                            + b + "; allowed: a divisor of every batch size (each step runs accumulation micro-batches of batch/accumulation)");
                }
            }
        }
        for (int i = 0; i < models.size(); i++) {
            ModelSpec spec = BackboneRegistry.spec(models.get(i));
            ModelAxes own = perModel.get(models.get(i));
            Node resNode = own != null && own.resolutions() != null ? map.get("per_model") : map.get("resolutions");
            Node segNode = own != null && own.segments() != null ? map.get("per_model") : map.get("segments");
            for (int res : own != null && own.resolutions() != null ? own.resolutions() : resolutions) {
                try {
                    spec.inputRule().validate(spec.name(), res);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(at(fileName, resNode) + e.getMessage());
                }
                int blocks = CellValidation.blockCount(spec, res);
                for (int s : own != null && own.segments() != null ? own.segments() : segments) {
                    try {
                        SegmentCount.requireCell(spec.name(), blocks, s);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(at(fileName, segNode) + e.getMessage());
                    }
                }
            }
        }
        MeasureSettings d = MeasureSettings.defaults();
        Node timingNode = map.get("timing");
        boolean timingOff = timingNode instanceof ScalarNode;
        String timingWord = timingOff ? scalar(fileName, timingNode) : null;
        if (timingOff && !timingWord.equals("off")) {
            throw new IllegalArgumentException(at(fileName, timingNode) + "timing must be a mapping with keys " + RUN_KEYS
                    + " or off (memory only), got '" + timingWord + "'");
        }
        RunSettings timing = timingOff ? d.timing() : runSettings(fileName, timingNode, d.timing());
        RunSettings memory = runSettings(fileName, map.get("memory"), d.memory());
        Integer threads = map.containsKey("threads") ? integer(fileName, map.get("threads"), 1, "threads") : null;
        MeasureSettings settings;
        try {
            settings = new MeasureSettings(timing, memory, threads, timingOff);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(fileName + ": " + e.getMessage());
        }
        boolean timeline = map.containsKey("timeline") && bool(fileName, map.get("timeline"), "timeline");
        return new MatrixConfig(name, device, precisions, splits, models, batches, resolutions, segments, accumulations, settings, text,
                weights(fileName, map.get("weights"), models), labels(fileName, map.get("reference"), ReferenceFramework::parse, null),
                perModel, timeline);
    }

    /** {@code true} or {@code false}; anything else is a one-line error naming the value. */
    private static boolean bool(String file, Node node, String what) {
        String v = scalar(file, node);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(at(file, node) + what + " must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    /** A scalar parsed by an enum's label parser; its one-line error gains the file and line. */
    private static <T> T parsed(String file, Node node, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(scalar(file, node));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at(file, node) + e.getMessage());
        }
    }

    /** A list of labels (absent: the default alone, or none when the default is null). */
    private static <T> List<T> labels(String file, Node node, java.util.function.Function<String, T> parser, T absent) {
        if (node == null) {
            return absent == null ? List.of() : List.of(absent);
        }
        List<T> out = new ArrayList<>();
        for (Node n : list(file, node)) {
            out.add(parsed(file, n, parser));
        }
        return out;
    }

    /** A {@code timing:} or {@code memory:} mapping; absent keys keep their defaults. */
    private static RunSettings runSettings(String file, Node node, RunSettings defaults) {
        if (node == null) {
            return defaults;
        }
        if (!(node instanceof MappingNode)) {
            throw new IllegalArgumentException(at(file, node) + "expected a mapping with keys " + RUN_KEYS);
        }
        Map<String, Node> m = mapping(file, (MappingNode) node, RUN_KEYS);
        RunSettings out = defaults;
        if (m.containsKey("warmup")) {
            out = out.withWarmup(integer(file, m.get("warmup"), 0, "warmup"));
        }
        if (m.containsKey("iterations")) {
            out = out.withIterations(integer(file, m.get("iterations"), 1, "iterations"));
        }
        if (m.containsKey("forks")) {
            out = out.withForks(integer(file, m.get("forks"), 1, "forks"));
        }
        return out;
    }

    /**
     * {@code weights:}: model to torchvision safetensors file, each model one of the matrix's, relative paths resolved
     * beside the config file. The files themselves are checked when a fork loads them (all or nothing, exit 3 there).
     */
    private static Map<String, java.nio.file.Path> weights(String file, Node node, List<String> models) {
        if (node == null) {
            return Map.of();
        }
        if (!(node instanceof MappingNode)) {
            throw new IllegalArgumentException(at(file, node) + "weights must map a model to a .safetensors file ({resnet50: r50.safetensors})");
        }
        java.nio.file.Path dir = java.nio.file.Path.of(file).toAbsolutePath().getParent();
        Map<String, java.nio.file.Path> out = new LinkedHashMap<>();
        for (NodeTuple t : ((MappingNode) node).getValue()) {
            String model = scalar(file, t.getKeyNode());
            if (!models.contains(model)) {
                throw new IllegalArgumentException(at(file, t.getKeyNode()) + "weights for '" + model + "', which is not in models; allowed: "
                        + String.join(", ", models));
            }
            java.nio.file.Path p = java.nio.file.Path.of(scalar(file, t.getValueNode()));
            out.put(model, p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize());
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /** {@code per_model:}: a model of the matrix to its own {@code batch_sizes}, {@code resolutions} or {@code segments}. */
    private static Map<String, ModelAxes> perModel(String file, Node node, List<String> models) {
        if (node == null) {
            return Map.of();
        }
        if (!(node instanceof MappingNode)) {
            throw new IllegalArgumentException(at(file, node) + "per_model must map a model to its own " + MODEL_AXES_KEYS
                    + " ({vit_b_16: {segments: [0, 4, 12]}})");
        }
        Map<String, ModelAxes> out = new LinkedHashMap<>();
        for (NodeTuple t : ((MappingNode) node).getValue()) {
            String model = scalar(file, t.getKeyNode());
            if (!models.contains(model)) {
                throw new IllegalArgumentException(at(file, t.getKeyNode()) + "per_model for '" + model + "', which is not in models; allowed: "
                        + String.join(", ", models));
            }
            if (!(t.getValueNode() instanceof MappingNode axes)) {
                throw new IllegalArgumentException(at(file, t.getValueNode()) + "per_model." + model + " must be a mapping with keys "
                        + MODEL_AXES_KEYS);
            }
            Map<String, Node> m = mapping(file, axes, MODEL_AXES_KEYS);
            out.put(model, new ModelAxes(m.containsKey("batch_sizes") ? ints(file, m.get("batch_sizes"), 1, "batch size") : null,
                    m.containsKey("resolutions") ? ints(file, m.get("resolutions"), 1, "resolution") : null,
                    m.containsKey("segments") ? ints(file, m.get("segments"), 0, "segment count (0 = off)") : null));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    private static Map<String, Node> mapping(String file, MappingNode node, List<String> allowed) {
        Map<String, Node> out = new LinkedHashMap<>();
        Set<String> allowedSet = Set.copyOf(allowed);
        for (NodeTuple t : node.getValue()) {
            String key = scalar(file, t.getKeyNode());
            if (!allowedSet.contains(key)) {
                throw new IllegalArgumentException(at(file, t.getKeyNode()) + "unknown key '" + key + "'; allowed: " + String.join(", ", allowed));
            }
            if (out.put(key, t.getValueNode()) != null) {
                throw new IllegalArgumentException(at(file, t.getKeyNode()) + "duplicate key '" + key + "'");
            }
        }
        return out;
    }

    private static List<Node> list(String file, Node node) {
        if (node instanceof ScalarNode) {
            return List.of(node);
        }
        if (!(node instanceof SequenceNode) || ((SequenceNode) node).getValue().isEmpty()) {
            throw new IllegalArgumentException(at(file, node) + "expected a non-empty list");
        }
        return ((SequenceNode) node).getValue();
    }

    private static List<Integer> ints(String file, Node node, int min, String what) {
        List<Integer> out = new ArrayList<>();
        for (Node n : list(file, node)) {
            int v = integer(file, n, min, what);
            if (out.contains(v)) {
                throw new IllegalArgumentException(at(file, n) + "duplicate " + what + " " + v);
            }
            out.add(v);
        }
        return out;
    }

    private static int integer(String file, Node n, int min, String what) {
        String s = scalar(file, n);
        int v;
        try {
            v = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(at(file, n) + what + " must be an integer >= " + min + ", got '" + s + "'");
        }
        if (v < min) {
            throw new IllegalArgumentException(at(file, n) + what + " must be >= " + min + ", got " + v);
        }
        return v;
    }

    private static String scalar(String file, Node n) {
        if (!(n instanceof ScalarNode)) {
            throw new IllegalArgumentException(at(file, n) + "expected a single value");
        }
        return ((ScalarNode) n).getValue();
    }

    private static String at(String file, Node n) {
        return file + ":" + (n.getStartMark().getLine() + 1) + ": ";
    }
}
