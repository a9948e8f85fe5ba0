package org.medfusion.backbones;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.medfusion.backbones.layers.GuardedConv2d;
import org.medfusion.natives.ConvShape;
import org.medfusion.natives.Natives;
import org.medfusion.checkpoint.CheckpointedSequence;
import org.medfusion.checkpoint.SequenceForward;
import org.medfusion.checkpoint.SegmentCount;
import org.medfusion.checkpoint.SplitPolicy;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.backbones.weights.TorchvisionWeights;

/**
 * A backbone network built from an ordered list of checkpointable blocks (the last is the head),
 * with MedFusion's checkpointing switch. Created by {@link BackboneRegistry#create}; owns the
 * NDManager of its parameters and must be closed.
 */
public final class Backbone implements TrainableModel, AutoCloseable {

    /** Default segment count of {@link #enableGradientCheckpointing()} for CNNs (the seed's 4). */
    public static final int DEFAULT_SEGMENTS = 4;

    private static final String WEIGHTS_MAGIC = "medfusion-weights-v1";

    private final ModelSpec spec;
    private final BackboneOptions options;
    private final int defaultSegments;
    private final CheckpointedSequence sequence;
    private final NDManager manager;

    Backbone(ModelSpec spec, BackboneOptions options, ModelParts parts, NDManager manager) {
        this.spec = spec;
        this.options = options;
        this.defaultSegments = parts.defaultSegments();
        this.sequence = new CheckpointedSequence(parts.blocks(), SplitPolicy.UNIFORM, options.seed());
        this.manager = manager;
        initialize();
    }

    /**
     * Builds, initialises and (if {@code options.pretrained()}) loads the weights of a model from its
     * spec, then a torchvision state dict if {@code options.torchvisionWeights()} names one (all or nothing);
     * {@link BackboneRegistry#create(String, BackboneOptions)} is the usual entry point.
     */
    public static Backbone create(ModelSpec spec, BackboneOptions options) {
        return create(spec, options, Device.cpu());
    }

    /** As {@link #create(ModelSpec, BackboneOptions)}, with parameters on {@code device}. */
    public static Backbone create(ModelSpec spec, BackboneOptions options, Device device) {
        spec.inputRule().validate(spec.name(), options.imageSize());
        ModelParts parts = spec.factory().apply(options);
        NDManager manager = NDManager.newBaseManager(device);
        Backbone b;
        try {
            b = new Backbone(spec, options, parts, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        if (options.pretrained()) {
            try {
                b.loadWeights(weightsFile(options.weightsDir(), spec.name()));
            } catch (IOException e) {
                b.close();
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
        if (options.torchvisionWeights() != null) {
            try {
                TorchvisionWeights.load(b, options.torchvisionWeights());
            } catch (RuntimeException e) {
                b.close();
                throw e;
            }
        }
        return b;
    }

    /**
     * Initialises the parameters and, before any convolution of this model can run, makes the native preflight cover
     * every convolution shape class it will run ({@link Natives#ensureCovered}): they are collected while the block
     * tree is initialised at this image size, which visits every convolution with its input shape.
     */
    private void initialize() {
        Set<ConvShape> convs = new TreeSet<>();
        GuardedConv2d.collectDuring(() -> initializeBlocks(sequence.blocks(), manager, options), convs);
        Natives.ensureCovered(convs);
    }

    /** Xavier-initialises {@code blocks} in order for {@code (1, 3, imageSize, imageSize)} inputs. */
    static void initializeBlocks(List<Block> blocks, NDManager manager, BackboneOptions options) {
        initializeBlocks(blocks, manager, options, false);
    }

    /** A one-element stand-in for every parameter of a walk that only needs the block tree's shapes. */
    private static final ai.djl.training.initializer.Initializer SHAPES_ONLY = (m, shape, dataType) -> m.zeros(new Shape(1), dataType);

    /**
     * As {@link #initializeBlocks(List, NDManager, BackboneOptions)}; {@code shapesOnly} gives every parameter a
     * one-element stand-in instead (nothing of the model's size is allocated or filled), for walks that only need the
     * input shape each block is initialised with.
     */
    static void initializeBlocks(List<Block> blocks, NDManager manager, BackboneOptions options, boolean shapesOnly) {
        JniUtils.setSeed(options.seed());
        Shape shape = new Shape(1, 3, options.imageSize(), options.imageSize());
        for (Block block : blocks) {
            if (shapesOnly) {
                block.setInitializer(SHAPES_ONLY, p -> true);
            } else {
                block.setInitializer(new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN,
                        XavierInitializer.FactorType.IN, 2), Parameter.Type.WEIGHT);
            }
            block.initialize(manager, DataType.FLOAT32, shape);
            shape = block.getOutputShapes(new Shape[] {shape})[0];
        }
    }

    public String name() {
        return spec.name();
    }

    public String family() {
        return spec.family();
    }

    public ModelSpec spec() {
        return spec;
    }

    public BackboneOptions options() {
        return options;
    }

    /** The checkpointable blocks in order; the last one is the head. */
    public List<Block> blocks() {
        return sequence.blocks();
    }

    public int blockCount() {
        return sequence.blocks().size();
    }

    public int defaultSegments() {
        return defaultSegments;
    }

    /** Checkpointing with the model's default segment count (4 for CNNs, layers for transformers). */
    public void enableGradientCheckpointing() {
        enableGradientCheckpointing(defaultSegments);
    }

    /**
     * Checkpointing with {@code segments} segments of equal block count. More segments keep fewer
     * activations and recompute more.
     *
     * @throws IllegalArgumentException unless 1 &lt;= segments &lt;= {@link #blockCount()}
     */
    public void enableGradientCheckpointing(int segments) {
        enableGradientCheckpointing(segments, SplitPolicy.UNIFORM);
    }

    /** As {@link #enableGradientCheckpointing(int)}, with the segment boundaries chosen by {@code policy}. */
    public void enableGradientCheckpointing(int segments, SplitPolicy policy) {
        SegmentCount.requireEnabled(name(), blockCount(), segments);
        sequence.enable(segments, policy);
    }

    public void disableGradientCheckpointing() {
        sequence.disable();
    }

    public boolean isGradientCheckpointingEnabled() {
        return sequence.isEnabled();
    }

    /** Segments in use, or 0 when checkpointing is off. */
    public int segments() {
        return sequence.isEnabled() ? sequence.plan().segmentCount() : 0;
    }

    public CheckpointedSequence sequence() {
        return sequence;
    }

    public NDManager manager() {
        return manager;
    }

    @Override
    public SequenceForward forwardTraining(ParameterStore ps, NDArray input, long step, NDManager stepManager) {
        spec.inputRule().validate(name(), (int) input.getShape().get(input.getShape().dimension() - 1));
        return sequence.forwardTraining(ps, input, step, stepManager);
    }

    @Override
    public NDArray forwardInference(ParameterStore ps, NDArray input, NDManager resultManager) {
        return sequence.forwardInference(ps, input, resultManager);
    }

    @Override
    public List<Parameter> trainableParameters() {
        return trainableParameters(blocks());
    }

    /** The parameters of {@code blocks} (children included) that receive a gradient, in order. */
    public static List<Parameter> trainableParameters(List<? extends Block> blocks) {
        List<Parameter> out = new ArrayList<>();
        for (Block b : blocks) {
            for (Pair<String, Parameter> p : b.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    out.add(p.getValue());
                }
            }
        }
        return out;
    }

    /** Number of trainable scalars (torchvision's {@code sum(p.numel() for p in parameters())}). */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : trainableParameters()) {
            n += p.getArray().getShape().size();
        }
        return n;
    }

    /** Number of float buffer scalars (BatchNorm running mean and variance). */
    public long bufferCount() {
        long n = 0;
        for (Block b : blocks()) {
            for (Pair<String, Parameter> p : b.getParameters()) {
                if (!p.getValue().requiresGradient()) {
                    n += p.getValue().getArray().getShape().size();
                }
            }
        }
        return n;
    }

    /** Where {@code pretrained=true} looks for this model's weights. */
    public static Path weightsFile(Path dir, String model) {
        return dir.resolve(model + ".params");
    }

    /**
     * Saves all parameters and buffers (DJL's parameter stream per block, after a header naming
     * the model and block count), atomically: a temp file renamed into place.
     */
    public void saveWeights(Path file) throws IOException {
        try {
            AtomicFiles.write(file, os -> {
                DataOutputStream out = new DataOutputStream(os);
                out.writeUTF(WEIGHTS_MAGIC);
                out.writeUTF(name());
                out.writeInt(blockCount());
                for (Block b : blocks()) {
                    b.saveParameters(out);
                }
                out.flush();
            });
        } catch (UncheckedIOException e) {
            throw new IOException(e.getMessage(), e.getCause());
        }
    }

    /** Loads weights written by {@link #saveWeights}; a missing or foreign file is a clear error. */
    public void loadWeights(Path file) throws IOException {
        try (InputStream is = new BufferedInputStream(Files.newInputStream(file));
                DataInputStream in = new DataInputStream(is)) {
            String magic = in.readUTF();
            String model = in.readUTF();
            int count = in.readInt();
            if (!WEIGHTS_MAGIC.equals(magic) || !name().equals(model) || count != blockCount()) {
                throw new IOException("weights file " + file + " holds " + model + " (" + count
                        + " blocks), not " + name() + " (" + blockCount() + " blocks)");
            }
            for (Block b : blocks()) {
                b.loadParameters(manager, in);
            }
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "pretrained weights for " + name()
                    + " not found; save them with Backbone.saveWeights or set MEDFUSION_WEIGHTS_DIR");
        } catch (MalformedModelException e) {
            throw new IOException("weights file " + file + " is malformed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
