package org.medfusion.cli;

import java.io.PrintWriter;
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
 * oneDNN, DESIGN.md 4b), the libtorch version, the probe's verdict (fresh or cached, with its file) and the fallback
 * applied. Exit 0 when the engine is usable here (with or without a fallback), 3 when it is not.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Checks that libtorch works on this machine (native preflight) and prints the fallback in use.")
public final class DoctorCommand implements Callable<Integer> {

    @Option(names = "--refresh", description = "Probe again instead of reading the cached verdict.")
    boolean refresh;

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
        NativePreflight preflight = NativePreflight.fromSystem();
        NativePreflight.Outcome o = preflight.verdict(version, refresh);
        NativeVerdict v = o.verdict();
        out.println("probe:            " + v.probe() + (o.fresh() ? " (probed now, " + v.probeMillis() + " ms)"
                : " (cached, checked " + v.checkedAt() + ")") + (NativeVerdict.FAILED.equals(v.probe()) ? "" : ", " + o.cacheFile()));
        if (v.detail() != null) {
            out.println("probe detail:     " + v.detail());
        }
        if (!v.usable()) {
            out.println("fallback:         none works in-process: " + v.advice());
            out.println("verdict:          unusable (exit 3)");
            out.flush();
            return ExitCodes.DATA;
        }
        out.println("fallback:         " + v.description()
                + (NativeVerdict.PASS.equals(v.probe()) ? " (the probe passed: oneDNN stays on, full speed)"
                        : NativeVerdict.FAILED.equals(v.probe()) ? " (the probe could not run: nothing concluded, not cached)" : ""));
        Natives.Decision d;
        try {
            d = Natives.ensureEngine();
        } catch (EngineUnavailableException e) {
            out.println("verdict:          unusable (exit 3): " + e.getMessage());
            out.flush();
            return ExitCodes.DATA;
        }
        out.println("in this process:  " + d.description() + (d.outcome() == null ? " (set by -D" + Natives.PROPERTY + ")" : "")
                + "; oneDNN enabled: " + OneDnnFallback.isEnabled() + ", " + OneDnnFallback.ISA_VARIABLE + "="
                + (OneDnnFallback.isaLimit() == null ? "unset" : OneDnnFallback.isaLimit()) + "; JMH forks get " + Natives.forkJvmArg());
        out.println("verdict:          usable" + (d.fallbackApplied() ? " with the fallback (timings say so)" : ""));
        out.flush();
        return ExitCodes.OK;
    }
}
