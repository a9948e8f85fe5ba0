package org.medfusion.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.medfusion.platform.HsErrReport;
import org.medfusion.results.CellStatus;

/**
 * A failed JMH run of a cell, classified from JMH's console output and the hs_err file of a crashed fork: OOM on
 * evidence of out-of-memory (a result, not a failure of the tool), CRASH when a fork died from a signal (by
 * {@link HsErrReport#crashed}, the rule every child JVM is judged by; the message names the signal and the native
 * frame), ERROR otherwise with the exception's message.
 */
final class ForkFailure extends RuntimeException {

    private static final Pattern OOM = Pattern.compile(
            "OutOfMemoryError|out of memory|not enough memory|DefaultCPUAllocator: can't allocate|CUDA error: out of memory"
                    + "|insufficient memory for the Java Runtime|Native memory allocation \\(\\w+\\) failed",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern FORK_EXIT = Pattern.compile("<forked VM failed with exit code (\\d+)>");
    private static final Pattern EXCEPTION = Pattern.compile("^(?:Caused by: )?([\\w.$]+(?:Exception|Error)): (.+)$", Pattern.MULTILINE);

    final CellStatus status;
    /** The native crash, for status CRASH; else null. */
    final HsErrReport crash;

    private ForkFailure(CellStatus status, String message, HsErrReport crash) {
        super(message);
        this.status = status;
        this.crash = crash;
    }

    static ForkFailure classify(String output, String kind) {
        return classify(output, kind, null);
    }

    /**
     * Classifies a failed run of {@code kind} (memory, time, recompute) from its console output and the hs_err file of
     * a crashed fork (may be null).
     */
    static ForkFailure classify(String output, String kind, Path hsErr) {
        String hs = "";
        if (hsErr != null) {
            try {
                hs = Files.readString(hsErr, StandardCharsets.ISO_8859_1);
            } catch (IOException ignored) {
                // classified from the output alone
            }
        }
        if (OOM.matcher(output).find() || OOM.matcher(hs).find()) {
            return new ForkFailure(CellStatus.OOM, "out of memory in the " + kind + " run", null);
        }
        Matcher exit = FORK_EXIT.matcher(output);
        int exitCode = exit.find() ? Integer.parseInt(exit.group(1)) : 0;
        if (HsErrReport.crashed(exitCode, !hs.isEmpty())) {
            HsErrReport crash = HsErrReport.parse(hs, exitCode);
            return new ForkFailure(CellStatus.CRASH, crashMessage(kind, exitCode, crash, hsErr), crash);
        }
        Matcher m = EXCEPTION.matcher(output);
        String message = m.find() ? m.group(1) + ": " + m.group(2) : "the " + kind + " run failed (see its log under jmh/)";
        return new ForkFailure(CellStatus.ERROR, message.strip().replace('\n', ' '), null);
    }

    /** "SIGFPE in the memory run at libtorch_cpu.so dnnl::...() (exit code 134; hs_err: jmh/hs_err_123.log)". */
    private static String crashMessage(String kind, int exitCode, HsErrReport crash, Path hsErr) {
        StringBuilder m = new StringBuilder(crash.signal()).append(" in the ").append(kind).append(" run");
        if (crash.frame() != null) {
            m.append(" at ").append(crash.frame());
        }
        m.append(" (");
        if (exitCode > 0) {
            m.append("exit code ").append(exitCode);
        }
        if (hsErr != null) {
            m.append(exitCode > 0 ? "; " : "").append("hs_err: jmh/").append(hsErr.getFileName());
        } else if (exitCode == 137) {
            m.append("; killed, no out-of-memory evidence");
        }
        return m.append(')').toString();
    }
}
