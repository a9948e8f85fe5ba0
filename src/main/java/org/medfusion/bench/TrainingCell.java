package org.medfusion.bench;

import org.medfusion.train.SyntheticBatch;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.checkpoint.Split;
import org.medfusion.planner.OptimalSplit;
import org.medfusion.planner.ProfileKey;
import org.medfusion.results.Precision;
import org.medfusion.train.LossScaleCalibration;
import org.medfusion.train.OptimizerConfig;
import org.medfusion.train.TrainingStep;
import org.medfusion.train.precision.MixedPrecision;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import java.util.List;

/**
 * One cell of the matrix as JMH state: the model (random init, 1000 classes), its checkpointing
 * switch, a fixed random batch and the training step (AdamW; mixed precision for {@code precision=amp}). Everything is built once per trial;
 * a benchmark invocation runs only the work it measures.
 *
 * <p>Under amp the setup first brings the loss scale to a calibrated value ({@link LossScaleCalibration}), and a
 * measured step that is skipped anyway (non-finite gradients: no optimizer update) fails the cell
 * ({@link SkippedStepException}): a skipped step is never reported as a training step. Skipped warm-up steps are
 * allowed (they only move the scale).
 */
@State(Scope.Benchmark)
public class TrainingCell {

    /** How many leading arguments {@link #fromArgs} reads: model batch res segments split precision device. */
    static final int CELL_ARGS = 7;

    @Param("resnet50")
    public String model;

    @Param("16")
    public int batch;

    @Param("112")
    public int res;

    /** 0 = checkpointing off. */
    @Param("0")
    public int segments;

    @Param("fp32")
    public String precision;

    @Param("cpu")
    public String device;

    /**
     * Segment boundaries: {@code uniform} (default), {@code torch} (checkpoint_sequential's) or {@code optimal}
     * (least predicted peak, from the model's profile: cached, measured in child JVMs on first use).
     */
    @Param("uniform")
    public String split;

    /**
     * Gradient accumulation: the step runs this many micro-batches of {@code batch / accumulation} images and one
     * optimizer update, so {@code batch} stays the images per optimizer step (the seed's "batch 16, accumulation 4"
     * holds the activations of 4 images at a time).
     */
    @Param("1")
    public int accumulation = 1;

    /**
     * For a checkpointed cell's timing fork: before each iteration's measured step, run one plain step (checkpointing
     * switched off for it, then back on) and hand its time to {@link PairedReferenceProfiler}. Off for memory forks: the
     * plain step would set the steady state the next step's peak is measured from.
     */
    @Param("false")
    public boolean pairedPlain;

    /**
     * For a recompute fork of a budget sweep: before each measured iteration's recompute, time the whole chain's
     * forward with grad ({@link org.medfusion.checkpoint.CheckpointedSequence#forwardWholeChain}) and hand it to
     * {@link PairedReferenceProfiler}: the speed this fork ran at, against which the profile's block times are read.
     */
    @Param("false")
    public boolean pairedChain;

    /** JVM property naming the torchvision safetensors file a fork loads ({@code measure --weights}); absent: random init. */
    public static final String WEIGHTS_PROPERTY = "medfusion.weights";

    /** The fork option that makes a cell load {@code file} by torchvision's names. */
    public static String weightsJvmArg(java.nio.file.Path file) {
        return "-D" + WEIGHTS_PROPERTY + "=" + file.toAbsolutePath();
    }

    private static java.nio.file.Path weightsFile() {
        String f = System.getProperty(WEIGHTS_PROPERTY);
        return f == null || f.isBlank() ? null : java.nio.file.Path.of(f);
    }

    Backbone backbone;
    TrainingStep step;
    NDManager data;
    NDArray images;
    NDArray labels;
    /** The images as the forward reads them: {@link #images}, or their half-precision copy under amp. */
    NDArray forwardImages;
    /** Whether the current JMH iteration is a measured one (a skipped amp step there fails the cell). */
    boolean measuring;
    /** The inputs of the recomputed segments (in {@link #data}), for the recompute benchmark; null until prepared. */
    private List<NDArray> recomputeInputs;

    /** A child process's cell from its first {@link #CELL_ARGS} arguments: model batch res segments split precision device. */
    static TrainingCell fromArgs(String[] args) {
        TrainingCell cell = new TrainingCell();
        cell.model = args[0];
        cell.batch = Integer.parseInt(args[1]);
        cell.res = Integer.parseInt(args[2]);
        cell.segments = Integer.parseInt(args[3]);
        cell.split = args[4];
        cell.precision = args[5];
        cell.device = args[6];
        return cell;
    }

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        // the recompute benchmark runs forwards only: no loss scale to calibrate
        boolean recompute = params.getBenchmark().startsWith(RecomputeForwardBenchmark.class.getName());
        setUp(!recompute);
        if (recompute) {
            prepareRecompute();
        }
    }

    /** As JMH's setup of the training-step benchmark (the loss scale calibrated under amp). */
    public void setUp() {
        setUp(true);
    }

    void setUp(boolean calibrateLossScale) {
        ForkCrashHook.crashIfArmed(); // tests only: a fork that dies from a signal
        CellValidation.validate(model, batch, res, segments);
        if (accumulation < 1 || batch % accumulation != 0) {
            throw new IllegalArgumentException("accumulation must be >= 1 and divide batch " + batch + ", got " + accumulation);
        }
        Precision arithmetic = Precision.parse(precision);
        org.medfusion.natives.Natives.ensureEngine(); // the parent's native fallback (-Dmedfusion.onednn), before any model
        Device dev = org.medfusion.results.Device.parse(device).djl();
        backbone = BackboneRegistry.create(model, BackboneOptions.defaults().withImageSize(res).withTorchvisionWeights(weightsFile()), dev);
        if (segments > 0) {
            backbone.enableGradientCheckpointing(segments, OptimalSplit.policy(Split.parse(split), new ProfileKey(model, batch / accumulation, res,
                    Precision.parse(precision), org.medfusion.results.Device.parse(device)), segments));
        }
        data = backbone.manager().newSubManager();
        SyntheticBatch input = SyntheticBatch.create(data, batch, res, backbone.options().outputDim(), 42);
        images = input.images();
        labels = input.labels();
        step = new TrainingStep(backbone, OptimizerConfig.adamW(), accumulation, backbone.manager(),
                arithmetic == Precision.AMP ? MixedPrecision.forDevice(dev) : null);
        forwardImages = images;
        if (step.mixedPrecision() != null) {
            if (calibrateLossScale) {
                LossScaleCalibration.run(step, images, labels);
            }
            forwardImages = images.toType(step.mixedPrecision().computeType(), false);
        }
    }

    @Setup(Level.Iteration)
    public void beginIteration(IterationParams iteration) {
        measuring = iteration.getType() == IterationType.MEASUREMENT;
        if (pairedPlain && segments > 0) {
            PairedReferenceProfiler.record(PairedReferenceProfiler.Reference.PLAIN_STEP, timedPlainStep());
        }
        if (pairedChain && measuring) {
            PairedReferenceProfiler.record(PairedReferenceProfiler.Reference.CHAIN_FORWARD, timedChainForward());
        }
    }

    /** The whole chain's forward with grad from the batch, timed as JMH times a recompute call. */
    double timedChainForward() {
        long start = System.nanoTime();
        backbone.sequence().forwardWholeChain(step.forwardParameterStore(), forwardImages, step.stepCount(), data); // freed inside
        return (System.nanoTime() - start) / 1e6;
    }

    /**
     * One plain training step on the same model, batch and optimizer, timed like JMH times the measured step (wall
     * clock around the step and the device sync); the checkpointing plan is restored afterwards, unchanged.
     */
    double timedPlainStep() {
        org.medfusion.checkpoint.SegmentPlan plan = backbone.sequence().plan();
        backbone.disableGradientCheckpointing();
        try {
            long start = System.nanoTime();
            step.step(images, labels);
            DeviceSync.await(backbone);
            return (System.nanoTime() - start) / 1e6;
        } finally {
            backbone.sequence().enable(plan.segmentCount(), org.medfusion.checkpoint.SplitPolicy.fixed(plan));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        data.close();
        backbone.close();
    }

    /** One full training step; returns the loss (reading it also synchronises a GPU). */
    public float trainingStep() {
        float loss = step.step(images, labels);
        DeviceSync.await(backbone);
        if (measuring && step.lastStepSkipped()) {
            throw new SkippedStepException(step);
        }
        return loss;
    }

    /** The forward, with grad, of the segments a checkpointed step recomputes, from their inputs; discarded afterwards. */
    public float recomputedForward() {
        prepareRecompute();
        try (NDManager m = data.newSubManager()) {
            return backbone.sequence().forwardRecomputedSegments(step.forwardParameterStore(), recomputeInputs, step.stepCount(), m);
        }
    }

    /** The recomputed segments' inputs, once: the forward before them is not the recompute's work. */
    void prepareRecompute() {
        if (recomputeInputs == null) {
            recomputeInputs = backbone.sequence().recomputeInputs(step.forwardParameterStore(), forwardImages, step.stepCount(), data);
        }
    }
}
