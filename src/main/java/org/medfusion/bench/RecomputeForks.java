package org.medfusion.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntFunction;
import org.medfusion.results.Stats;

/**
 * The recompute figure of a checkpointed cell from its forks ({@link MeasureSettings#recompute()}): the median of the
 * forks' medians, with every fork's median kept beside it ({@code recompute_fork_ms}), so the figure carries its spread.
 *
 * <p>When the forks' medians disagree by more than {@link #AGREEMENT} (slowest over fastest), the recompute is timed
 * once more in as many forks again and the figure is the median over all of them. Three forks outvote one slow fork,
 * not a slow stretch of the machine covering two: on an idle 2-core VM, ViT-B/16 b8 112 px's torch-2 recompute read
 * 362.9 / 367.0 / 237.7 ms (every fork of those ~2.5 minutes ran ~65 % slow, the step timing fork too), and 236.7 /
 * 236.1 / 247.6 ms when timed again right after. Forks of one healthy cell differ by up to about 13 % (ResNet-50
 * b16 112 px sweep: 2-13 % in 13 of 16 cells; the other three 21-28 %, one fork slow on every call).
 */
public final class RecomputeForks {

    /** Slowest over fastest fork median above which the recompute is timed again. */
    public static final double AGREEMENT = 1.20;

    /** {@link #AGREEMENT} as the percentage the text states (20). */
    public static long agreementPercent() {
        return Math.round((AGREEMENT - 1) * 100);
    }

    private RecomputeForks() {
    }

    /**
     * One run's forks: each fork's median recompute and, when the forks timed the whole chain's forward before each
     * call ({@link PairedReferenceProfiler.Reference#CHAIN_FORWARD}), each fork's median of that (else empty).
     */
    record ForkRun(List<Double> recomputeMs, List<Double> chainMs) {

        ForkRun {
            recomputeMs = List.copyOf(recomputeMs);
            chainMs = chainMs.size() == recomputeMs.size() ? List.copyOf(chainMs) : List.of(); // never misaligned
        }
    }

    /** The figure, the fork medians behind it and, where timed, each fork's whole-chain forward (empty otherwise). */
    record Figure(Double medianMs, List<Double> forkMs, List<Double> chainForkMs) {
    }

    /** Whether the forks' medians differ by more than {@link #AGREEMENT} (false for fewer than two forks). */
    public static boolean disagree(List<Double> forkMs) {
        if (forkMs.size() < 2) {
            return false;
        }
        return Collections.max(forkMs) > AGREEMENT * Collections.min(forkMs);
    }

    /**
     * Times the recompute with {@code timeForks} (given the run's number from 1, it runs the forks once and returns
     * their medians) and a second time when the first run's recompute forks disagree; the figure is the median of every
     * fork's median (null when no fork measured). The chain forwards are kept only when every run timed them.
     */
    static Figure measure(IntFunction<ForkRun> timeForks) {
        ForkRun first = timeForks.apply(1);
        List<Double> forks = new ArrayList<>(first.recomputeMs());
        List<Double> chain = new ArrayList<>(first.chainMs());
        if (disagree(forks)) {
            ForkRun second = timeForks.apply(2);
            forks.addAll(second.recomputeMs());
            chain.addAll(second.chainMs());
        }
        // each run's chain list is aligned with its forks or empty: all aligned, or none kept
        return new Figure(forks.isEmpty() ? null : Stats.summarize(forks).median(), List.copyOf(forks),
                chain.size() == forks.size() ? List.copyOf(chain) : List.of());
    }
}
