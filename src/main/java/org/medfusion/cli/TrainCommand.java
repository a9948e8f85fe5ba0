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
import org.medfusion.train.OptimizerConfig;
import org.medfusion.train.SyntheticBatch;
import org.medfusion.train.TrainConfig;
import org.medfusion.train.TrainingStep;
import org.medfusion.train.precision.MixedPrecision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train --config <seed-style yaml>}: trains a backbone as the seed guide's config describes
 * (checkpointing, mixed precision, batch size, learning rate, accumulation) on a seeded synthetic
 * dataset, printing a progress line per step (loss, step time, throughput), the memory monitor every
 * {@code memory_every} steps and at the end, and saving the weights atomically at the end.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Trains a backbone from a seed-style YAML config on synthetic data; saves its weights.")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "The training YAML (see examples/seed-train.yaml).")
    Path config;

    @Option(names = "--steps", description = "Optimizer steps (overrides training.steps).")
    Integer steps;

    @Option(names = "--out", defaultValue = "train-out", description = "Where the weights go (default: ${DEFAULT-VALUE}).")
    Path out;

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
        NativesMissingException.ensureEngine();
        PrintWriter o = spec.commandLine().getOut();
        BackboneOptions options = BackboneOptions.defaults().withPretrained(c.pretrained()).withFeatureDim(c.featureDim())
                .withNumClasses(c.numClasses()).withImageSize(c.imageSize());
        try (Backbone b = BackboneRegistry.create(c.backbone(), options); NDManager data = b.manager().newSubManager()) {
            if (c.checkpointing()) {
                if (c.segments() != null) {
                    b.enableGradientCheckpointing(c.segments());
                } else {
                    b.enableGradientCheckpointing();
                }
            }
            MixedPrecision amp = c.useAmp() ? MixedPrecision.forDevice(b.manager().getDevice()) : null;
            TrainingStep step = new TrainingStep(b, new OptimizerConfig(OptimizerConfig.Kind.ADAMW, c.learningRate(), 0.01f, 0f),
                    c.accumulationSteps(), b.manager(), amp);
            o.printf(Locale.ROOT, "train %s: batch %d x %d px, checkpointing %s, %s, accumulation %d, %d steps%n", b.name(),
                    c.batchSize(), c.imageSize(), b.isGradientCheckpointingEnabled() ? b.segments() + " segments" : "off",
                    amp == null ? "fp32" : "amp (" + amp.computeType() + ")", c.accumulationSteps(), c.steps());
            o.println("memory " + memory());
            for (int i = 1; i <= c.steps(); i++) {
                try (NDManager stepData = data.newSubManager()) {
                    SyntheticBatch batch = SyntheticBatch.create(stepData, c.batchSize(), c.imageSize(), options.outputDim(), i);
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
            o.println("weights " + weights);
            o.flush();
        }
        return 0;
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
