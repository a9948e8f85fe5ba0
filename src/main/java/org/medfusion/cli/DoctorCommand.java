package org.medfusion.cli;

import java.io.PrintWriter;
import java.util.List;
import org.medfusion.backbones.ConvShapes;
import org.medfusion.bench.MatrixConfig;
import java.util.concurrent.Callable;
import org.medfusion.natives.CpuSignature;
import org.medfusion.natives.EngineUnavailableException;
import org.medfusion.natives.NativePreflight;
import org.medfusion.natives.NativeVerdict;
import org.medfusion.natives.Natives;
import org.medfusion.natives.OneDnnFallback;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code doctor}: what the native preflight found on this machine and what every command will do about it: the CPU
 * signature the verdict is cached under, whether cpuid reports the cache topology (its absence is what crashes
 * oneDNN's strided 1x1 backward on some CPUs), the libtorch version, the probe's verdict (fresh or cached, with its file) and the fallback
 * applied. Exit 0 when the engine is usable here (with or without a fallback), 3 when it is not.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Checks that libtorch works on this machine (native preflight) and prints the fallback in use.")
public final class DoctorCommand implements Callable<Integer> {

    @Option(names = "--refresh", description = "Forget this machine's cached verdicts and probe again.")
    boolean refresh;

    @Option(names = "--config", paramLabel = "<yaml or built-in name>", defaultValue = "smoke",
            description = "The matrix whose models' convolutions are probed (default: ${DEFAULT-VALUE}, what the jar runs).")
    String config;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        CpuSignature cpu = CpuSignature.detect();
        out.println("CPU:              " + cpu.vendor() + " family " + cpu.family() + " model " + cpu.model() + " ("
                + cpu.modelName() + "), " + cpu.flags().size() + " flags");
        out.println("cache topology:   " + (cpu.cacheTopology() ? "reported (/sys/devices/system/cpu/cpu0/cache)"
                : "NOT reported (no /sys/devices/system/cpu/cpu0/cache/index*): oneDNN's 1x1-conv backward is known to crash then"));
        String isa = System.getenv("ONEDNN_MAX_CPU_ISA");
        out.println("ONEDNN_MAX_CPU_ISA: " + (isa == null ? "unset" : isa));
        String libtorchPath = System.getenv("PYTORCH_LIBRARY_PATH");
        if (libtorchPath != null && !libtorchPath.isBlank()) {
            // a libtorch of the machine (GPU nodes): does DJL's JNI load against it? In a child JVM, one-line reason
            org.medfusion.natives.LibtorchPreflight.Report pre =
                    org.medfusion.natives.LibtorchPreflight.check(null, System.getenv(), 180);
            pre.lines().forEach(l -> out.println("preflight " + l));
            if (!pre.loads()) {
                out.println("verdict:          unusable (exit 3): " + pre.reason());
                out.flush();
                return ExitCodes.DATA;
            }
        }
        String version;
        try {
            version = Natives.loadEngine();
        } catch (EngineUnavailableException e) {
            out.println("libtorch:         cannot be loaded: " + e.getMessage());
            out.println("verdict:          unusable (exit 3)");
            out.flush();
            return ExitCodes.DATA;
        }
        out.println("libtorch:         " + version + OneDnnFallback.loadedLibrary().map(p -> " (" + p + ")").orElse(""));
        MatrixConfig matrix;
        try {
            matrix = RunCommand.loadConfig(config);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        List<ConvShapes.ModelAtSize> models = RunCommand.modelsOf(matrix.cells());
        if (refresh) {
            forgetVerdicts(NativePreflight.fromSystem().dir());
        }
        Natives.Decision d;
        try {
            d = NativesMissingException.ensureCovered(models);
        } catch (NativesMissingException e) {
            out.println("verdict:          unusable (exit 3): " + e.getMessage());
            out.flush();
            return ExitCodes.DATA;
        }
        NativeVerdict v = d.verdict();
        out.println("probed for:       " + matrix.name() + " (" + models.stream().map(m -> m.model() + " at " + m.imageSize()
                + " px").distinct().collect(java.util.stream.Collectors.joining(", ")) + "): " + v.shapes()
                + " convolution shape classes, forward and backward");
        NativePreflight.Outcome o = d.outcome();
        out.println("probe:            " + v.probe().label() + (d.forced() ? " (set by -D" + Natives.PROPERTY + ")"
                : o != null && o.fresh() ? " (probed now, " + v.probeMillis() + " ms)" : " (cached, checked " + v.checkedAt() + ")")
                + (o == null || v.probe() == NativeVerdict.Probe.FAILED ? "" : ", " + o.cacheFile()));
        if (v.detail() != null) {
            out.println("probe detail:     " + v.detail());
        }
        out.println("fallback:         " + v.description()
                + (v.probe() == NativeVerdict.Probe.PASS ? " (the probe passed: oneDNN stays on, full speed)"
                        : v.probe() == NativeVerdict.Probe.FAILED ? " (the probe could not run: nothing concluded, not cached)" : ""));
        out.println("in this process:  " + d.fallback().id() + "; oneDNN enabled: " + OneDnnFallback.isEnabled() + ", "
                + OneDnnFallback.ISA_VARIABLE + "=" + (OneDnnFallback.isaLimit() == null ? "unset" : OneDnnFallback.isaLimit())
                + "; JMH forks and child JVMs get " + Natives.forkJvmArg());
        out.println("verdict:          usable" + (d.fallbackApplied() ? " with the fallback (timings say so)" : ""));
        out.flush();
        return ExitCodes.OK;
    }

    private static void forgetVerdicts(java.nio.file.Path dir) {
        try (var files = java.nio.file.Files.list(dir)) {
            for (java.nio.file.Path f : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                java.nio.file.Files.deleteIfExists(f);
            }
        } catch (java.io.IOException e) {
            // nothing cached yet
        }
    }
}
