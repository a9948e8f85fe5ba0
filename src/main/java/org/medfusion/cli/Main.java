package org.medfusion.cli;

import java.io.PrintWriter;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code benchmarks.jar}. With no arguments it runs the default (smoke) matrix;
 * with a subcommand it runs that; anything else (a benchmark regex, JMH options such as
 * {@code -f 1 -wi 2 -l -prof ...}) goes to JMH's own runner unchanged.
 *
 * <p>Exit codes: see {@link ExitCodes} (0 ok, 1 a check failed, 2 usage error, 3 bad data or
 * environment such as missing natives or no GPU, 4 measurement or internal error).
 */
@Command(name = "benchmarks.jar", mixinStandardHelpOptions = true, version = "MedFusion checkpoint bench 0.1.0",
        description = "Measures what gradient checkpointing buys: peak training memory saved and step time paid,"
                + " per model, batch size and segment count.",
        subcommands = {RunCommand.class, MeasureCommand.class, VerifyCommand.class, ListModelsCommand.class, ReportCommand.class,
                MergeCommand.class, GateCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit code for a check that ran and failed (e.g. verify found a mismatch). */
    public static final int CHECK_FAILED = ExitCodes.FAILED;
    /** Exit code for bad command-line input. */
    public static final int USAGE = ExitCodes.USAGE;
    /** Exit code for bad data or environment (natives missing, corrupt results, no GPU). */
    public static final int DATA = ExitCodes.DATA;

    private static final Set<String> OWN_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    /** No subcommand: the default benchmark, {@code run --config smoke}. */
    @Override
    public void run() {
        // handled in execute(): an empty argument list becomes "run"
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code (tests call this). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true"); // never download natives at run time
        }
        if (args.length == 0) {
            args = new String[] {"run"};
        }
        CommandLine cl = new CommandLine(new Main());
        if (args.length > 0 && !OWN_OPTIONS.contains(args[0]) && !cl.getSubcommands().containsKey(args[0])) {
            try {
                org.openjdk.jmh.Main.main(args);
                return 0;
            } catch (Exception e) {
                err.println("error: " + e.getMessage());
                return ExitCodes.ERROR;
            }
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof IllegalArgumentException) {
                commandLine.getErr().println("error: " + ex.getMessage());
                return USAGE;
            }
            if (ex instanceof org.medfusion.results.ReportDataException) {
                commandLine.getErr().println("error: " + ex.getMessage());
                return DATA;
            }
            if (ex instanceof NativesMissingException) {
                commandLine.getErr().println("error: " + ex.getMessage());
                return DATA;
            }
            commandLine.getErr().println("error: " + ex);
            return ExitCodes.ERROR;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Run with --help for usage.");
            return USAGE;
        });
        return cl.execute(args);
    }
}
