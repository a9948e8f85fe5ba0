package org.medfusion.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.medfusion.results.ReportDataException;
import org.medfusion.report.Reporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code report <run-dir>}: re-renders raw.csv, memory.csv, slowdown.csv, charts/, report.md and report.html of a
 * run directory from its stored results, without measuring anything. Prints the terminal summary and the written
 * paths (report.html last). Exit codes: {@link ExitCodes#OK}, {@link ExitCodes#USAGE} for a bad command line,
 * {@link ExitCodes#DATA} for a missing run directory or corrupt files (one-line message on stderr, from {@link Main}'s error handler).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Re-render the tables, charts and report of a run directory without re-measuring.",
        exitCodeOnInvalidInput = ExitCodes.USAGE)
public final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<run-dir>", description = "a run directory (results/<run-id>/)")
    Path runDir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isDirectory(runDir)) {
            throw new ReportDataException(Files.exists(runDir) ? runDir + " is a file, not a run directory"
                    : "run directory " + runDir + " does not exist");
        }
        Reporter.Rendered r = Reporter.render(runDir);
        out.print(r.summary());
        out.println();
        for (var p : r.paths()) {
            out.println(p);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
