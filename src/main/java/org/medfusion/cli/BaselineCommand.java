package org.medfusion.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.medfusion.gate.Baselines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baseline save <run> [--name N]}: keeps a run as a baseline of its environment ({@link Baselines}). */
@Command(name = "baseline", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = ExitCodes.USAGE,
        description = "Manage gate baselines (results/baselines/<environment key>/<name>/).",
        subcommands = BaselineCommand.Save.class)
public final class BaselineCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "baseline needs a subcommand: save");
    }

    /** {@code baseline save}. */
    @Command(name = "save", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = ExitCodes.USAGE,
            description = "Copy a run (atomically) to <baselines>/<environment key>/<name>/; prints that directory.")
    static final class Save implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "<run>")
        Path run;

        @Option(names = "--name", paramLabel = "<name>", description = "default: <config>-<start time>")
        String name;

        @Option(names = "--baselines", paramLabel = "<dir>", defaultValue = "results/baselines",
                description = "root of saved baselines (default: ${DEFAULT-VALUE})")
        Path root;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Path saved = Baselines.save(run, name, root);
            PrintWriter out = spec.commandLine().getOut();
            out.println(saved);
            out.flush();
            return ExitCodes.OK;
        }
    }
}
