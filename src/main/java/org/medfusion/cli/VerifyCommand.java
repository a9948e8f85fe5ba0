package org.medfusion.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.checkpoint.SegmentCount;
import org.medfusion.planner.OptimalSplit;
import org.medfusion.planner.ProfileKey;
import org.medfusion.results.CellKey;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import org.medfusion.train.VerificationResult;
import org.medfusion.train.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code verify}: one plain and one checkpointed training step (forward, loss, backward) from the
 * same weights and input; prints loss, gradient and BatchNorm agreement. Exit 0 when they agree
 * within tolerance, 1 when they do not, 2 on bad input.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, defaultValueProvider = VerifyCommand.Defaults.class,
        description = "Checks that checkpointed training gives the same loss, gradients and BatchNorm buffers as plain training.")
public final class VerifyCommand implements Callable<Integer> {


    @Mixin
    CellOptions cell;

    /** verify's cell defaults: a quick check (batch 4, 64 px) with the engine's default 4 segments. */
    static final class Defaults extends OptionDefaults {
        Defaults() {
            super(java.util.Map.of("--batch", "4", "--res", "64", "--segments", "4"));
        }
    }

    @Option(names = "--classes", defaultValue = "1000", description = "Classifier width (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of weights and input (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--format", converter = OutputFormat.JsonOrTable.class, defaultValue = "table", description = "json or table (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Option(names = "--tolerance", description = "Relative tolerance on loss and gradients (absolute on BatchNorm buffers);"
            + " default 1e-6 on cpu (bit-exact in practice), " + GPU_TOLERANCE + " on gpu (cuDNN kernels are not deterministic).")
    Double tolerance;

    /** Default tolerance of {@code --device gpu}: non-deterministic cuDNN backward kernels, TF32 convolutions. */
    static final double GPU_TOLERANCE = 1e-3;

    @Mixin
    WeightsOption weights;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CellKey key = cell.validatedKey(); // verify's segments are checked by the engine too
        if (key.precision() != Precision.FP32) {
            throw new IllegalArgumentException("--precision for verify must be fp32 (exact agreement is checked in float32;"
                    + " mixed precision agreement is tested by MixedPrecisionTest), got " + key.precision().label());
        }
        boolean gpu = key.device() == Device.GPU;
        double tol = tolerance != null ? tolerance : gpu ? GPU_TOLERANCE : VerificationResult.REL_TOLERANCE;
        if (!(tol >= 0) || Double.isInfinite(tol)) {
            throw new IllegalArgumentException("--tolerance must be a finite number >= 0, got " + tolerance);
        }
        NativesMissingException.ensureEngine();
        if (gpu && !org.medfusion.bench.CudaMemory.hasGpu()) {
            throw new EnvironmentException("--device gpu: no CUDA GPU visible to this build (see README: GPU build)");
        }
        VerificationResult r;
        try (Backbone b = BackboneRegistry.create(key.model(), BackboneOptions.defaults().withImageSize(key.res())
                .withNumClasses(classes).withSeed(seed).withTorchvisionWeights(weights.value()), key.device().djl())) {
            SegmentCount.requireEnabled(key.model(), b.blockCount(), key.segments());
            r = Verifier.verify(b, key.batch(), key.res(), key.segments(), OptimalSplit.policy(key.split(),
                    new ProfileKey(key.model(), key.batch(), key.res(), key.precision(), key.device()), key.segments()), seed);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format == OutputFormat.JSON) {
            out.println(toJson(r, tol, key.device().label()));
        } else {
            out.println(toTable(r, tol, key.device().label()));
        }
        out.flush();
        return r.agrees(tol) ? ExitCodes.OK : ExitCodes.FAILED;
    }

    static String toJson(VerificationResult r) throws Exception {
        return toJson(r, VerificationResult.REL_TOLERANCE, "cpu");
    }

    static String toJson(VerificationResult r, double tol, String device) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode n = mapper.createObjectNode();
        n.put("model", r.model());
        n.put("batch", r.batch());
        n.put("res", r.res());
        n.put("segments", r.segments());
        n.put("loss_plain", r.lossPlain());
        n.put("loss_checkpointed", r.lossCheckpointed());
        n.put("max_rel_grad_error", r.maxRelGradError());
        n.put("bn_max_abs_diff", r.bnMaxAbsDiff());
        n.put("bn_updated", r.buffersUpdated());
        n.put("params_without_grad", r.paramsWithoutGrad().size());
        n.put("step_ms_plain", Math.round(r.stepMsPlain() * 10) / 10.0);
        n.put("step_ms_checkpointed", Math.round(r.stepMsCheckpointed() * 10) / 10.0);
        n.put("device", device);
        n.put("tolerance", tol);
        n.put("agrees", r.agrees(tol));
        return mapper.writeValueAsString(n);
    }

    static String toTable(VerificationResult r) {
        return toTable(r, VerificationResult.REL_TOLERANCE, "cpu");
    }

    static String toTable(VerificationResult r, double tol, String device) {
        StringBuilder sb = new StringBuilder();
        String row = "%-22s %s%n";
        sb.append(String.format(java.util.Locale.ROOT, row, "model", r.model()));
        sb.append(String.format(java.util.Locale.ROOT, row, "batch x res", r.batch() + " x " + r.res() + " px"));
        sb.append(String.format(java.util.Locale.ROOT, row, "segments", r.segments()));
        sb.append(String.format(java.util.Locale.ROOT, row, "loss plain", r.lossPlain()));
        sb.append(String.format(java.util.Locale.ROOT, row, "loss checkpointed", r.lossCheckpointed()));
        sb.append(String.format(java.util.Locale.ROOT, row, "max rel grad error", r.maxRelGradError()));
        sb.append(String.format(java.util.Locale.ROOT, row, "BN max abs diff", r.bnMaxAbsDiff()));
        sb.append(String.format(java.util.Locale.ROOT, row, "params without grad", r.paramsWithoutGrad().size()));
        sb.append(String.format(java.util.Locale.ROOT, "%-22s %.1f ms plain, %.1f ms checkpointed (forward+backward, one step)%n",
                "step time", r.stepMsPlain(), r.stepMsCheckpointed()));
        sb.append(String.format(java.util.Locale.ROOT, row, "result", (r.agrees(tol) ? "AGREE" : "DISAGREE")
                + String.format(java.util.Locale.ROOT, " (tolerance %.0e relative, %s)", tol, device)));
        return sb.toString().stripTrailing();
    }
}
