package org.medfusion.bench;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Map;

/**
 * Test hook: a way to make a JMH fork die from a real signal, so the crash classification of {@link CellMeasurer} is
 * tested against a real JVM death (hs_err file, exit status) rather than a canned string.
 *
 * <p>When the system property {@value #PROPERTY} is {@code SIGSEGV}, {@code SIGFPE} or {@code SIGKILL} in the process
 * that runs {@link CellMeasurer}, it passes the property on to every fork, and {@link TrainingCell}'s setup raises that
 * signal on its own thread through libc's {@code raise} (JNA). Never set it outside tests.
 */
public final class ForkCrashHook {

    /** The system property that arms the hook; its value names the signal. */
    public static final String PROPERTY = "medfusion.test.crashFork";

    private static final Map<String, Integer> SIGNALS = Map.of("SIGSEGV", 11, "SIGFPE", 8, "SIGKILL", 9);

    private ForkCrashHook() {
    }

    /** The JVM option that passes the armed hook to a fork, or null when it is not armed. */
    static String forkOption() {
        String v = System.getProperty(PROPERTY);
        return v == null || v.isBlank() ? null : "-D" + PROPERTY + "=" + v;
    }

    /** Raises the configured signal on the calling thread when the hook is armed; returns otherwise. */
    static void crashIfArmed() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return;
        }
        Integer sig = SIGNALS.get(v.strip().toUpperCase(java.util.Locale.ROOT));
        if (sig == null) {
            throw new IllegalArgumentException(PROPERTY + " must be one of " + SIGNALS.keySet() + ", got " + v);
        }
        LibC.INSTANCE.raise(sig);
    }

    private interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int raise(int sig);
    }
}
