package org.medfusion.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One CLI invocation through {@link Main#execute} for tests: its exit code and what it printed to each stream. */
public record CliRun(int code, String out, String err) {

    public static CliRun exec(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(code, out.toString(), err.toString());
    }
}
