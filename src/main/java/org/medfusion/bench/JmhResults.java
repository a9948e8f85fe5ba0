package org.medfusion.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.medfusion.results.CellKey;
import org.medfusion.results.Device;
import org.medfusion.results.MemoryMethod;
import org.medfusion.results.Stats;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/** A cell's figures read from JMH's results: the memory figure of the memory forks, the step samples of the timing forks. */
final class JmhResults {

    private JmhResults() {
    }

    /**
     * A cell's memory figure: the median of all measured steps' peaks, the per-fork medians and the method (null, with
     * no peak, when no step reported one).
     */
    record MemoryFigure(Long peak, MemoryMethod method, List<Long> perFork) {

        /** No memory figure (a timing-only measurement). */
        static final MemoryFigure NONE = new MemoryFigure(null, null, List.of());
    }

    /** The memory figure of a cell's memory forks. */
    static MemoryFigure memoryFigure(CellKey key, List<RunResult> memory) {
        MemoryMethod method = memoryMethod(key, memory);
        // Each iteration is one step's peak. The JVM occasionally maps memory of its own during a
        // step (JIT code cache, metaspace), which shows in RSS as a one-off outlier, so a fork's
        // figure is the median of its steps and the cell's the median of all steps.
        List<Long> perFork = new ArrayList<>();
        List<Double> allSteps = new ArrayList<>();
        for (List<Double> steps : forkScores(memory, ir -> ir.getSecondaryResults().get(method.label()))) {
            perFork.add(Math.round(Stats.summarize(steps).median()));
            allSteps.addAll(steps);
        }
        Long peak = allSteps.isEmpty() ? null : Math.round(Stats.summarize(allSteps).median());
        return new MemoryFigure(peak, perFork.isEmpty() ? null : method, perFork);
    }

    /** The memory figure of the cell: allocated (exact) on a GPU when available, else reserved; RSS on CPU. */
    private static MemoryMethod memoryMethod(CellKey key, List<RunResult> memory) {
        if (key.device() != Device.GPU) {
            return MemoryMethod.CPU_RSS_PEAK;
        }
        for (RunResult rr : memory) {
            if (rr.getSecondaryResults().containsKey(MemoryMethod.CUDA_ALLOCATED_PEAK.label())) {
                return MemoryMethod.CUDA_ALLOCATED_PEAK;
            }
        }
        return MemoryMethod.CUDA_RESERVED_PEAK;
    }

    /**
     * The paired {@code reference} of every measured iteration ({@link PairedReferenceProfiler}), in the order of the
     * primary samples; empty (never partial) when any iteration lacks one, so a pair is never misaligned.
     */
    static List<Double> pairedSamples(List<RunResult> results, PairedReferenceProfiler.Reference reference, int expected) {
        List<Double> out = new ArrayList<>();
        for (IterationResult ir : iterations(results)) {
            Result r = ir.getSecondaryResults().get(reference.resultName());
            if (r == null) {
                return List.of();
            }
            out.add(r.getScore());
        }
        return out.size() == expected ? out : List.of();
    }

    /** Every measured iteration's primary score (a step time in ms), forks then iterations. */
    static List<Double> primarySamples(List<RunResult> results) {
        return iterations(results).stream().map(ir -> ir.getPrimaryResult().getScore()).toList();
    }

    /** Each fork's median primary score, in the order the forks ran; forks that measured nothing are left out. */
    static List<Double> forkMedians(List<RunResult> results) {
        return forkMedians(results, IterationResult::getPrimaryResult);
    }

    /** Each fork's median of the paired {@code reference}, in the order the forks ran; forks without one are left out. */
    static List<Double> forkMedians(List<RunResult> results, PairedReferenceProfiler.Reference reference) {
        return forkMedians(results, ir -> ir.getSecondaryResults().get(reference.resultName()));
    }

    private static List<Double> forkMedians(List<RunResult> results, Function<IterationResult, Result> pick) {
        return forkScores(results, pick).stream().map(calls -> Stats.summarize(calls).median()).toList();
    }

    /**
     * Each fork's scores of the result {@code pick} chooses per measured iteration (null: the iteration has none), in
     * order; forks without any are left out.
     */
    private static List<List<Double>> forkScores(List<RunResult> results, Function<IterationResult, Result> pick) {
        List<List<Double>> out = new ArrayList<>();
        for (RunResult rr : results) {
            for (BenchmarkResult br : rr.getBenchmarkResults()) {
                List<Double> scores = new ArrayList<>();
                for (IterationResult ir : br.getIterationResults()) {
                    Result r = pick.apply(ir);
                    if (r != null) {
                        scores.add(r.getScore());
                    }
                }
                if (!scores.isEmpty()) {
                    out.add(scores);
                }
            }
        }
        return out;
    }

    /** Every measured iteration of the runs, in order (forks, then iterations). */
    private static List<IterationResult> iterations(List<RunResult> results) {
        List<IterationResult> out = new ArrayList<>();
        for (RunResult rr : results) {
            for (BenchmarkResult br : rr.getBenchmarkResults()) {
                out.addAll(br.getIterationResults());
            }
        }
        return out;
    }
}
