package org.medfusion.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a JVM's fatal error log ({@code hs_err_pid*.log}) says about a native crash: the signal, the problematic frame
 * and the whole stack (native and Java frames). The one reader of these files: the preflight's probe children, JMH
 * forks and every other child ({@link ChildJvm}) are classified by it.
 *
 * @param signal e.g. {@code SIGFPE}; from the file, else from the exit status
 * @param frame the problematic frame shortened to library and symbol, e.g.
 *     {@code libtorch_cpu.so dnnl::impl::cpu::x64::brgemm_convolution_bwd_utils::brg_blocking_t::est_eff_1x1()}; null
 *     when the file names none
 * @param frames every frame line of the file's stack sections, as written
 */
public record HsErrReport(String signal, String frame, List<String> frames) {

    private static final Pattern SIGNAL = Pattern.compile("^#\\s+(SIG[A-Z0-9]+) \\(0x[0-9a-f]+\\)", Pattern.MULTILINE);
    private static final Pattern FRAME = Pattern.compile("^# Problematic frame:\\R#\\s*(.+)$", Pattern.MULTILINE);
    private static final Pattern STACK_FRAME = Pattern.compile("^[CJjVv]\\s+.+$", Pattern.MULTILINE);
    private static final Map<Integer, String> SIGNALS = Map.ofEntries(Map.entry(1, "SIGHUP"), Map.entry(2, "SIGINT"),
            Map.entry(3, "SIGQUIT"), Map.entry(4, "SIGILL"), Map.entry(5, "SIGTRAP"), Map.entry(6, "SIGABRT"),
            Map.entry(7, "SIGBUS"), Map.entry(8, "SIGFPE"), Map.entry(9, "SIGKILL"), Map.entry(11, "SIGSEGV"),
            Map.entry(13, "SIGPIPE"), Map.entry(15, "SIGTERM"));

    /** Parses an hs_err file's text; {@code exitCode} names the signal when the text does not. */
    public static HsErrReport parse(String text, int exitCode) {
        Matcher s = SIGNAL.matcher(text);
        String signal = s.find() ? s.group(1) : signalOfExit(exitCode);
        Matcher f = FRAME.matcher(text);
        String frame = f.find() ? shorten(f.group(1)) : null;
        List<String> frames = new ArrayList<>();
        Matcher st = STACK_FRAME.matcher(text);
        while (st.find()) {
            frames.add(st.group().strip());
        }
        return new HsErrReport(signal, frame, List.copyOf(frames));
    }

    /** Reads and parses a file (ISO-8859-1: the JVM writes native symbol names as bytes). */
    public static HsErrReport read(Path file, int exitCode) throws IOException {
        return parse(Files.readString(file, StandardCharsets.ISO_8859_1), exitCode);
    }

    /**
     * The one rule for whether a child JVM crashed: it died from a signal (exit status above 128: a native crash aborts
     * with 134, a kill is 137) or it left an hs_err file. {@link ChildJvm.Result} and the JMH forks (whose exit status
     * only JMH's output tells) are classified by it.
     */
    public static boolean crashed(int exitCode, boolean leftHsErr) {
        return exitCode > 128 || leftHsErr;
    }

    /** The name of the signal of exit status 128+n, {@code signal n} when unknown, or {@code native crash}. */
    public static String signalOfExit(int exitCode) {
        int n = exitCode - 128;
        return n > 0 ? SIGNALS.getOrDefault(n, "signal " + n) : "native crash";
    }

    /** Whether any frame of the stack contains {@code text} (e.g. {@code dnnl::}). */
    public boolean anyFrameContains(String text) {
        return (frame != null && frame.contains(text)) || frames.stream().anyMatch(l -> l.contains(text));
    }

    /** "SIGFPE at libtorch_cpu.so dnnl::...()" or just the signal. */
    public String describe() {
        return frame == null ? signal : signal + " at " + frame;
    }

    /** "C  [libtorch_cpu.so+0x1234]  dnnl::...::est_eff_1x1()+0x51" to "libtorch_cpu.so dnnl::...::est_eff_1x1()". */
    private static String shorten(String raw) {
        String f = raw.trim().replaceFirst("^[CJjVv]\\s+", "");
        f = f.replaceAll("\\[([^+\\]]+)\\+0x[0-9a-f]+\\]", "$1").replaceAll("\\+0x[0-9a-f]+$", "");
        return f.replaceAll("\\s+", " ").trim();
    }
}
