package org.medfusion.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.medfusion.natives.LibtorchPreflight;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code libtorch-check}: the libtorch preflight on its own (see {@link LibtorchPreflight}). Exit 0
 * when DJL's JNI loads against the libtorch found, 3 when it does not (the last line says why and
 * what to do).
 */
@Command(name = "libtorch-check", mixinStandardHelpOptions = true,
        description = "Finds the machine's libtorch (PYTORCH_LIBRARY_PATH or python3's torch), reports its version and CUDA,"
                + " and whether DJL's JNI loads against it (in a child JVM); if not, one line with the reason and the fix.")
public final class LibtorchCheckCommand implements Callable<Integer> {


    @Option(names = "--libtorch", description = "libtorch lib directory (default: PYTORCH_LIBRARY_PATH, else python3's torch/lib).")
    Path libtorch;

    @Option(names = "--timeout", defaultValue = "180", description = "Seconds the child JVM may take to load the engine (default: ${DEFAULT-VALUE}).")
    long timeout;

    @Option(names = "--format", converter = OutputFormat.TextOrJson.class, defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Option(names = "--verbose", description = "Also print the child's full output when the load fails.")
    boolean verbose;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (timeout < 1) {
            throw new IllegalArgumentException("--timeout must be >= 1, got " + timeout);
        }
        LibtorchPreflight.Report r = LibtorchPreflight.check(libtorch, System.getenv(), timeout);
        PrintWriter out = spec.commandLine().getOut();
        if (format == OutputFormat.JSON) {
            out.println(new ObjectMapper().writeValueAsString(r));
        } else {
            r.lines().forEach(out::println);
            if (verbose && !r.loads()) {
                out.println("--- child output ---");
                out.println(r.detail());
            }
        }
        out.flush();
        return r.loads() ? ExitCodes.OK : ExitCodes.DATA;
    }
}
