package org.medfusion.natives;

import ai.djl.engine.Engine;
import java.time.Instant;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place where a process loads the PyTorch engine and makes it safe to use. {@link #ensureEngine()} loads
 * libtorch and applies a fallback forced with {@code -Dmedfusion.onednn}; {@link #ensureCovered} makes sure, before a
 * convolution shape class runs in this process, that the native preflight has probed it ({@link NativePreflight}) and
 * that the fallback it needs is applied. {@code Backbone} calls it with every convolution of a model before the model
 * can run one, and {@link ConvCall} (the only call site of convolutions) checks each convolution against it, so no
 * process runs a convolution the probe has not run first.
 *
 * <p>{@code -Dmedfusion.onednn}: {@code on} (no fallback), {@code subsample}, {@code avx}, {@code off} force a fallback
 * and trust it (no probe: the parent of a JMH fork or child decided it, or a person did); {@code auto} (the default)
 * asks the preflight. The decision in force is published as that property, so that every child JVM started through
 * {@link org.medfusion.platform.ChildJvm} runs exactly like its parent without probing again.
 */
public final class Natives {

    /** {@code on}, {@code subsample}, {@code avx}, {@code off} or {@code auto}. */
    public static final String PROPERTY = "medfusion.onednn";
    /**
     * The decision a parent hands its children ({@code on}, {@code subsample}, {@code avx}, {@code off}); it wins over
     * {@link #PROPERTY}, which JMH copies into every fork from the parent's own command line.
     */
    public static final String DECIDED_PROPERTY = "medfusion.onednn.decided";

    private static volatile Decision decision;
    private static final Set<ConvShape> COVERED = ConcurrentHashMap.newKeySet();

    /** What this process applied and why. */
    public record Decision(NativeVerdict verdict, NativePreflight.Outcome outcome, boolean forced) {

        /** {@code none} or e.g. {@code oneDNN convolution disabled: <reason>}. */
        public String description() {
            return verdict.description();
        }

        public Fallback fallback() {
            return verdict.fallback();
        }

        public boolean fallbackApplied() {
            return fallback() != Fallback.NONE;
        }

        /** The line printed at the start of a run. */
        public String consoleLine() {
            if (verdict.probe() == NativeVerdict.Probe.FAILED) {
                return "native preflight: the probe could not run, no fallback applied: " + verdict.detail();
            }
            if (fallbackApplied()) {
                return "native fallback: " + description();
            }
            return "native preflight: ok, no fallback (" + (forced ? "set by -D" + PROPERTY
                    : verdict.probe().label() + ", " + verdict.shapes() + " convolution shape classes"
                            + (outcome != null && outcome.fresh() ? ", probed now" : ", cached")) + ")";
        }
    }

    private Natives() {
    }

    /**
     * Loads the PyTorch engine and applies a fallback forced with {@code -Dmedfusion.onednn} (idempotent,
     * thread-safe). With {@code auto}, nothing is applied until {@link #ensureCovered} learns what will run.
     *
     * @throws EngineUnavailableException when libtorch cannot be loaded
     */
    public static Decision ensureEngine() {
        Decision d = decision;
        if (d != null) {
            return d;
        }
        synchronized (Natives.class) {
            if (decision == null) {
                String version = loadEngine();
                String decided = System.getProperty(DECIDED_PROPERTY);
                String mode = (decided != null ? decided : System.getProperty(PROPERTY, "auto")).trim().toLowerCase(Locale.ROOT);
                Fallback forced = Fallback.fromMode(mode);
                if (forced != null) {
                    forced.apply();
                    decision = new Decision(verdict(version, forced, forced == Fallback.NONE ? null : decided != null
                            ? "decided by the parent process" : "requested with -D" + PROPERTY + "=" + mode), null, true);
                } else {
                    decision = new Decision(verdict(version, Fallback.NONE, null), null, false);
                }
            }
            return decision;
        }
    }

    /**
     * Makes sure the preflight covers {@code shapes} in this process (a set lookup when it does): probes the classes
     * not yet covered (cached per machine, libtorch, fallback and shape set) and applies the fallback they need.
     * A forced decision is trusted as it is.
     *
     * @throws EngineUnavailableException when the shapes crash here and no fallback helps
     */
    public static Decision ensureCovered(Collection<ConvShape> shapes) {
        Decision d = ensureEngine();
        if (d.forced() || COVERED.containsAll(shapes)) {
            return d;
        }
        synchronized (Natives.class) {
            Set<ConvShape> added = new TreeSet<>(shapes);
            added.removeAll(COVERED);
            if (added.isEmpty()) {
                return decision;
            }
            Decision before = decision;
            String version = before.verdict().libtorchVersion();
            NativePreflight.Outcome o = NativePreflight.fromSystem().verdict(version, added, Set.copyOf(COVERED),
                    before.fallback(), ConvCall.anyRan());
            NativeVerdict v = o.verdict();
            if (!v.usable()) {
                throw new EngineUnavailableException("libtorch " + version + " crashes natively on this CPU: " + v.detail()
                        + "; " + v.advice() + " (verdict " + o.cacheFile() + ")");
            }
            if (v.fallback() != before.fallback()) {
                v.fallback().apply();
            }
            // a probe that could not run (timeout, exception) is said once and not repeated before every convolution
            COVERED.addAll(added);
            // a pass under the fallback already in force keeps that fallback's reason in the description
            NativeVerdict shown = v.probe() == NativeVerdict.Probe.PASS && before.fallbackApplied() ? before.verdict() : v;
            decision = new Decision(shown, o, false);
            publish(decision.fallback());
            return decision;
        }
    }

    /** {@link #ensureCovered(Collection)} of one convolution: what {@link ConvCall} asks before each one. */
    static void ensureCovered(ConvShape shape) {
        Decision d = decision;
        if (d != null && (d.forced() || COVERED.contains(shape))) {
            return;
        }
        ensureCovered(Set.of(shape));
    }

    /**
     * After a JMH fork of a run died in oneDNN on a cell the preflight had passed: re-probes that cell's convolution
     * shapes at the cell's batch (a crash the batch-2 probe cannot see shows there) and adopts the fallback that
     * passes; where the re-probe passes too, the fork's evidence stands and the next stronger fallback is adopted.
     * Forks started afterwards get it ({@link #forkJvmArg()}); the run re-measures under it, which verifies it.
     *
     * @return the new decision, or empty when no stronger fallback is left
     */
    public static synchronized java.util.Optional<Decision> afterOneDnnCrash(Collection<ConvShape> cellShapes, int batch,
            String crash) {
        Decision d = ensureEngine();
        Fallback current = d.fallback();
        Set<ConvShape> shapes = new TreeSet<>(cellShapes);
        NativePreflight.Outcome o = NativePreflight.fromSystem().verdict(d.verdict().libtorchVersion(), shapes,
                Set.copyOf(COVERED), current, ConvCall.anyRan(), batch);
        NativeVerdict v = o.verdict();
        Fallback next;
        String reason;
        if (v.usable() && v.fallback() != current) {
            next = v.fallback();
            reason = "a fork crashed in oneDNN (" + crash + "); re-probed at batch " + batch + ": " + v.detail();
        } else if (!v.usable()) {
            return java.util.Optional.empty();
        } else {
            java.util.List<Fallback> left = current.stronger().stream()
                    .filter(f -> !ConvCall.anyRan() || f.applicableAfterConvolutions()).toList();
            if (left.isEmpty()) {
                return java.util.Optional.empty();
            }
            next = left.get(0);
            reason = "a fork crashed in oneDNN (" + crash + "); the probe at batch " + batch
                    + (v.probe() == NativeVerdict.Probe.FAILED ? " could not run (" + v.detail() + ")" : " passed")
                    + ", so " + next.id() + " is adopted on the fork's evidence";
        }
        next.apply();
        COVERED.addAll(shapes);
        decision = new Decision(new NativeVerdict(v.key(), v.cpu(), v.libtorchVersion(), NativeVerdict.Probe.CRASH, reason,
                next, true, null, COVERED.size(), Instant.now().toString(), v.probeMillis()), o, d.forced());
        publish(next);
        return java.util.Optional.of(decision);
    }

    /** Whether a crash happened in oneDNN: a {@code dnnl::} frame, or the {@link SimulatedOneDnnCrash} standing in for one. */
    public static boolean isOneDnnCrash(org.medfusion.platform.HsErrReport crash) {
        return crash.anyFrameContains("dnnl::") || crash.anyFrameContains(SimulatedOneDnnCrash.FRAME);
    }

    /** The probe child's own decision: exactly {@code fallback}, no preflight (it is the preflight). */
    static void adoptForProbe(Fallback fallback) {
        synchronized (Natives.class) {
            fallback.apply();
            decision = new Decision(verdict(loadEngine(), fallback, "probe"), null, true);
        }
    }

    /** The decision of this process, or null when {@link #ensureEngine()} has not run. */
    public static Decision current() {
        return decision;
    }

    /** For the environment manifest: the applied fallback's description, {@code none} before a decision. */
    public static String fallbackDescription() {
        Decision d = decision;
        return d == null ? "none" : d.description();
    }

    /** The JVM argument that makes a JMH fork apply exactly this process's decision without probing. */
    public static String forkJvmArg() {
        Decision d = decision;
        return d == null ? "-D" + PROPERTY + "=" + System.getProperty(PROPERTY, "auto")
                : "-D" + DECIDED_PROPERTY + "=" + d.fallback().mode();
    }

    /** Children started through the launcher forward {@code medfusion.*} properties: they inherit the decision. */
    private static void publish(Fallback f) {
        System.setProperty(DECIDED_PROPERTY, f.mode());
    }

    private static NativeVerdict verdict(String version, Fallback f, String detail) {
        return new NativeVerdict("forced", CpuSignature.detect().describe(), version, NativeVerdict.Probe.NOT_RUN, detail, f,
                true, null, 0, Instant.now().toString(), 0);
    }

    /**
     * Loads the engine (nothing else: no preflight, no fallback); returns the libtorch version.
     *
     * @throws EngineUnavailableException when the natives cannot be loaded
     */
    public static String loadEngine() {
        try {
            return Engine.getEngine("PyTorch").getVersion();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new EngineUnavailableException("libtorch natives not found (offline mode; build with the default cpu"
                    + " profile, or set PYTORCH_LIBRARY_PATH for a GPU build): " + root.getMessage(), e);
        }
    }
}
