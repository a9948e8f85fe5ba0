package org.medfusion.cli;

import java.io.PrintWriter;
import java.util.Set;
import org.medfusion.bench.JmhLockTimeoutException;
import org.medfusion.results.ReportDataException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code benchmarks.jar}. With no arguments it runs the default (smoke) matrix;
 * with a subcommand it runs that; anything else (a benchmark regex, JMH options such as
 * {@code -f 1 -wi 2 -l -prof ...}) goes to JMH's own runner unchanged.
 *
 * <p>Exit codes: see {@link ExitCodes}. Commands return only those constants; an exception a command throws is
 * mapped to one here, in {@link #exitCodeOf(Throwable)}, and printed as one line {@code error: <message>}.
 */
@Command(name = "benchmarks.jar", mixinStandardHelpOptions = true, version = "MedFusion checkpoint bench 0.1.0",
        description = "Measures what gradient checkpointing buys: peak training memory saved and step time paid,"
                + " per model, batch size and segment count.",
        subcommands = {RunCommand.class, MeasureCommand.class, TrainCommand.class, VerifyCommand.class, ListModelsCommand.class, ReportCommand.class,
                MergeCommand.class, GateCommand.class, HistoryCommand.class, BaselineCommand.class, DoctorCommand.class,
                ProfileCommand.class, PlanCommand.class, CapacityCommand.class, StepTraceCommand.class, LibtorchCheckCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    private static final Set<String> OWN_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    /** No subcommand: the default benchmark, {@code run --config smoke}. */
    @Override
    public void run() {
        // handled in execute(): an empty argument list becomes "run"
    }

    public static void main(String[] args) {
        Interrupts.exitWith130OnSigterm();
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * The one mapping from an exception a command throws to its exit code: bad input (an
     * {@link IllegalArgumentException}) is {@link ExitCodes#USAGE}; bad data ({@link ReportDataException}) or an
     * environment that cannot measure ({@link EnvironmentException}, missing natives, JMH's lock held too long) is
     * {@link ExitCodes#DATA}; anything else is {@link ExitCodes#ERROR}.
     */
    static int exitCodeOf(Throwable e) {
        if (e instanceof IllegalArgumentException) {
            return ExitCodes.USAGE;
        }
        if (e instanceof ReportDataException || e instanceof EnvironmentException || e instanceof NativesMissingException
                || e instanceof JmhLockTimeoutException) {
            return ExitCodes.DATA;
        }
        return ExitCodes.ERROR;
    }

    /** The one-line message printed for an exception: its message for the known kinds, else the exception itself. */
    static String messageOf(Throwable e) {
        String m = e.getMessage();
        boolean known = exitCodeOf(e) != ExitCodes.ERROR;
        return known && m != null ? m.strip().replace('\n', ' ') : String.valueOf(e).replace('\n', ' ');
    }

    /** Runs the CLI with the given streams and returns the exit code (tests call this). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true"); // never download natives at run time
        }
        if (args.length == 0) {
            args = new String[] {"run"};
        }
        CommandLine cl = commandLine();
        if (args.length > 0 && !OWN_OPTIONS.contains(args[0]) && !cl.getSubcommands().containsKey(args[0])) {
            try {
                org.openjdk.jmh.Main.main(args);
                return ExitCodes.OK;
            } catch (Exception e) {
                err.println("error: " + e.getMessage());
                return ExitCodes.ERROR;
            }
        }
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** The command tree with its error handlers, without streams (parse-only tests use this too). */
    public static CommandLine commandLine() {
        return withHandlers(new CommandLine(new Main()));
    }

    /** Installs the one error handling of the CLI on a command line (the root or, in tests, a single command). */
    static CommandLine withHandlers(CommandLine cl) {
        cl.setCaseInsensitiveEnumValuesAllowed(true); // --precision AMP, --device GPU
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + messageOf(ex));
            commandLine.getErr().flush();
            return exitCodeOf(ex);
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Run with --help for usage.");
            return ExitCodes.USAGE;
        });
        return cl;
    }
}
