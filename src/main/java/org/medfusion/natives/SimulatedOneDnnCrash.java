package org.medfusion.natives;

import com.sun.jna.Function;
import java.util.Locale;

/**
 * A stand-in for oneDNN's SIGFPE on CPUs without cache topology, for machines where the real one does not happen:
 * it fires where the real crash fires and nowhere else, so a test that passes under it proves that the probe covers
 * the convolutions a model runs, not merely that a crash is detected.
 *
 * <p>Armed by {@code MEDFUSION_SIMULATE_ONEDNN_CRASH} in a process's environment (inherited by every child: probe
 * children, JMH forks, profile workers): {@code 1} for the real crash's rule, or a comma list of {@code min-in=N}
 * (input channels, default 512) and {@code min-batch=N} (default 1: a larger value makes a crash that a batch-2 probe
 * cannot see, which is what the reactive path of a run exists for). It raises SIGFPE (libc {@code raise}) from
 * {@link ConvCall}, the one place every convolution goes through, when a strided 1x1 convolution with at least
 * {@code min-in} input channels runs with gradient recording on (its backward-data follows: inside a model every such
 * convolution's input is in the graph; grad mode is the test, since DJL's {@code hasGradient()} is false for every
 * non-leaf tensor), while oneDNN is enabled and not capped at AVX: exactly the real crash's conditions. The crashing
 * frame is this class's {@link #raiseInOneDnn}, which {@link org.medfusion.platform.HsErrReport#inOneDnn()} counts as
 * a oneDNN frame, as it counts {@code dnnl::}.
 */
public record SimulatedOneDnnCrash(int minInputChannels, long minBatch) {

    /** The environment variable that arms it. */
    public static final String ENV = "MEDFUSION_SIMULATE_ONEDNN_CRASH";
    /** The Java frame an hs_err file of a simulated crash names. */
    public static final String FRAME = SimulatedOneDnnCrash.class.getName() + ".raiseInOneDnn";
    private static final int SIGFPE = 8;
    private static final SimulatedOneDnnCrash ARMED = parse(System.getenv(ENV));

    /** The simulation armed in this process's environment, or null. */
    public static SimulatedOneDnnCrash armed() {
        return ARMED;
    }

    /** Parses the variable's value; null or blank means not armed. */
    public static SimulatedOneDnnCrash parse(String spec) {
        if (spec == null || spec.isBlank() || spec.equals("0")) {
            return null;
        }
        int minIn = 512;
        long minBatch = 1;
        if (!spec.equals("1")) {
            for (String part : spec.split(",")) {
                String[] kv = part.trim().split("=", 2);
                String name = kv[0].trim().toLowerCase(Locale.ROOT);
                if (kv.length != 2 || !(name.equals("min-in") || name.equals("min-batch"))) {
                    throw new IllegalArgumentException(ENV + "='" + spec + "': expected 1 or min-in=N,min-batch=N");
                }
                long v = Long.parseLong(kv[1].trim());
                if (name.equals("min-in")) {
                    minIn = (int) v;
                } else {
                    minBatch = v;
                }
            }
        }
        return new SimulatedOneDnnCrash(minIn, minBatch);
    }

    /** Whether the real crash's conditions hold for this convolution as it is about to run (after any rewrite). */
    boolean fires(ConvShape executed, long batch, boolean backwardDataFollows) {
        return backwardDataFollows && executed.isStrided1x1() && executed.in() >= minInputChannels && batch >= minBatch
                && OneDnnFallback.isEnabled() && !"AVX".equalsIgnoreCase(OneDnnFallback.isaLimit());
    }

    /** The process dies here with SIGFPE, as in oneDNN. */
    void raiseInOneDnn(ConvShape executed) {
        System.err.println("simulated oneDNN SIGFPE (" + ENV + ") in the backward-data of " + executed.key());
        System.err.flush();
        Function.getFunction("c", "raise").invokeInt(new Object[] {SIGFPE});
    }

    /** For the verdict cache key: simulated verdicts never mix with real ones. */
    public String describe() {
        return "simulated-onednn-crash min-in=" + minInputChannels + " min-batch=" + minBatch;
    }
}
