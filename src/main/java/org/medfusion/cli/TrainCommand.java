package org.medfusion.cli;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.bench.MemoryMonitor;
import org.medfusion.backbones.TrainableModel;
import org.medfusion.models.MultiViewClassifier;
import org.medfusion.train.ImageFolder;
import org.medfusion.train.OptimizerConfig;
import org.medfusion.train.SyntheticBatch;
import org.medfusion.train.TrainConfig;
import org.medfusion.train.TrainingStep;
import org.medfusion.train.precision.MixedPrecision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train --config <seed-style yaml>}: trains a backbone as the seed guide's config describes
 * (checkpointing, mixed precision, batch size, learning rate, accumulation) on a seeded synthetic
 * dataset, printing a progress line per step (loss, step time, throughput), the memory monitor every
 * {@code memory_every} steps and at the end, and saving the weights atomically at the end (the multi-view model's
 * head in a second file next to its backbone's).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Trains a backbone (or the multi-view model) from a seed-style YAML config on synthetic data or an image folder; saves its weights.")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "The training YAML (see examples/seed-train.yaml).")
    Path config;

    @Option(names = "--steps", description = "Optimizer steps (overrides training.steps).")
    Integer steps;

    @Option(names = "--data", description = "An image folder (one sub-folder of PNG/JPEG images per class) instead of synthetic data.")
    Path dataDir;

    @Option(names = "--out", defaultValue = "train-out", description = "Where the weights go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    WeightsOption weights;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TrainConfig c = TrainConfig.load(config);
        if (steps != null) {
            if (steps < 1) {
                throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
            }
            c = c.withSteps(steps);
        }
        if (c.batchSize() % c.accumulationSteps() != 0) {
            throw new IllegalArgumentException(config + ": batch_size " + c.batchSize() + " is not divisible by accumulation_steps "
                    + c.accumulationSteps());
        }
        BackboneRegistry.spec(c.backbone()).inputRule().validate(c.backbone(), c.imageSize());
        if (dataDir != null && c.multiView()) {
            throw new IllegalArgumentException("--data trains one image per sample; model.views (" + c.views()
                    + ") needs multi-view samples: drop --data to train the multi-view model on synthetic data");
        }
        BackboneOptions options = BackboneOptions.defaults().withPretrained(c.pretrained()).withFeatureDim(c.featureDim())
                .withNumClasses(c.numClasses()).withImageSize(c.imageSize())
                .withTorchvisionWeights(weights.value() != null ? weights.value() : c.weights());
        ImageFolder folder = dataDir == null ? null : ImageFolder.open(dataDir, c.imageSize(), 42);
        int classes = c.multiView() ? c.numClasses() : options.outputDim();
        if (folder != null && folder.classes().size() > classes) {
            throw new IllegalArgumentException("--data " + dataDir + " has " + folder.classes().size() + " classes " + folder.classes()
                    + " but the model has " + classes + " outputs; allowed: at most " + classes + " class sub-folders (set model.num_classes)");
        }
        NativesMissingException.ensureEngine();
        PrintWriter o = spec.commandLine().getOut();
        MultiViewClassifier multiView = c.multiView() ? new MultiViewClassifier(c.backbone(), c.numClasses(), c.views(), c.aggregation(),
                c.featureDim() > 0 ? c.featureDim() : MULTI_VIEW_FEATURE_DIM, options) : null;
        Backbone b = multiView != null ? multiView.backbone() : BackboneRegistry.create(c.backbone(), options);
        TrainableModel model = multiView != null ? multiView : b;
        try (AutoCloseable owner = multiView != null ? multiView : b; NDManager data = b.manager().newSubManager()) {
            if (c.checkpointing()) {
                if (c.segments() != null) {
                    b.enableGradientCheckpointing(c.segments());
                } else {
                    b.enableGradientCheckpointing();
                }
            }
            MixedPrecision amp = c.useAmp() ? MixedPrecision.forDevice(b.manager().getDevice()) : null;
            TrainingStep step = new TrainingStep(model, new OptimizerConfig(OptimizerConfig.Kind.ADAMW, c.learningRate(), 0.01f, 0f),
                    c.accumulationSteps(), b.manager(), amp);
            if (multiView != null) {
                o.printf(Locale.ROOT, "multi-view: %d views, %s aggregation%n", c.views(), c.aggregation().name().toLowerCase(Locale.ROOT));
            }
            o.println(folder == null ? "data: synthetic" : "data: " + dataDir + ", " + folder.size() + " images, classes " + folder.classes());
            o.printf(Locale.ROOT, "train %s: batch %d x %d px, checkpointing %s, %s, accumulation %d, %d steps%n", b.name(),
                    c.batchSize(), c.imageSize(), b.isGradientCheckpointingEnabled() ? b.segments() + " segments" : "off",
                    amp == null ? "fp32" : "amp (" + amp.computeType() + ")", c.accumulationSteps(), c.steps());
            o.println("memory " + memory());
            for (int i = 1; i <= c.steps(); i++) {
                try (NDManager stepData = data.newSubManager()) {
                    SyntheticBatch batch = batch(c, folder, stepData, classes, i);
                    long t0 = System.nanoTime();
                    float loss = step.step(batch.images(), batch.labels());
                    double ms = (System.nanoTime() - t0) / 1e6;
                    o.printf(Locale.ROOT, "step %d/%d %s loss %.4f  %.0f ms  %.1f img/s%s%n", i, c.steps(), bar(i, c.steps()), loss, ms,
                            c.batchSize() * 1000.0 / ms, amp == null ? "" : String.format(Locale.ROOT, "  scale %.0f%s",
                                    amp.scaler().scale(), step.lastStepSkipped() ? " (skipped: inf/NaN gradients)" : ""));
                }
                if (i % c.memoryEvery() == 0 && i != c.steps()) {
                    o.println("memory " + memory());
                }
                o.flush();
            }
            o.println("memory at end " + memory());
            Path weights = out.resolve(b.name() + ".params");
            b.saveWeights(weights);
            if (multiView != null) {
                Path head = out.resolve(b.name() + "-multiview-head.params");
                multiView.saveHead(head);
                o.println("weights " + weights + " (backbone), " + head + " (multi-view head)");
            } else {
                o.println("weights " + weights);
            }
            o.flush();
        }
        return 0;
    }

    /** The multi-view model's feature width when the config sets no feature_dim (the seed's 128). */
    static final int MULTI_VIEW_FEATURE_DIM = 128;

    /** Step {@code i}'s batch: from the image folder, else synthetic; (B, views, 3, H, W) for the multi-view model. */
    private static SyntheticBatch batch(TrainConfig c, ImageFolder folder, NDManager m, int classes, int i) throws java.io.IOException {
        if (folder != null) {
            return folder.nextBatch(m, c.batchSize());
        }
        if (!c.multiView()) {
            return SyntheticBatch.create(m, c.batchSize(), c.imageSize(), classes, i);
        }
        SyntheticBatch flat = SyntheticBatch.create(m, c.batchSize() * c.views(), c.imageSize(), classes, i);
        return new SyntheticBatch(flat.images().reshape(c.batchSize(), c.views(), 3, c.imageSize(), c.imageSize()),
                flat.labels().get("0:" + c.batchSize()));
    }

    private static String bar(int done, int total) {
        int width = 20;
        int filled = (int) Math.round(width * (double) done / total);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /** The guide's monitor: see {@link MemoryMonitor}. */
    private static String memory() {
        return MemoryMonitor.snapshot().figures();
    }
}
