package org.medfusion.bench;

import java.util.List;
import org.medfusion.results.Device;

/**
 * One way of measuring the peak memory of a training step, run by {@link PeakMemoryProfiler} in a memory fork:
 * {@link #beforeStep()} just before the step, {@link #afterStep()} just after it. Its {@link #name()} is the JMH
 * secondary result and a cell's {@code memory_method}; its {@link #description()} is what the report prints about
 * how it measures. A new probe is one class implementing this plus one line in {@link MemoryProbes#create()}.
 */
public interface MemoryProbe {

    /** The method name, e.g. {@code cpu.rss.peak}. */
    String name();

    /** Unit of {@link #afterStep()}. */
    default String unit() {
        return "bytes";
    }

    /** How it measures, one paragraph for the report's methods section. */
    String description();

    /** The device whose forks run it. */
    Device device();

    /** {@code KEY=VALUE} environment settings the fork must start with (launcher side). */
    default List<String> forkEnvironment() {
        return List.of();
    }

    /** In the fork, once before the first step: whether it can measure here (false: it reports nothing). */
    default boolean open() {
        return true;
    }

    /** Just before the step: resets marks and reads the baseline. */
    void beforeStep();

    /** Just after the step: the step's peak above the baseline. */
    long afterStep();

    /**
     * The name of the baseline reading {@link #steadyBytes()} reports (e.g. {@code cuda.allocated.steady}), or null
     * when the probe reports none. Not a figure of the cell: what its peaks are measured above, for cross-checks
     * such as {@code org.medfusion.gpu.ProbeCrossCheck} (weights, gradients, optimizer state, the input batch).
     */
    default String steadyName() {
        return null;
    }

    /** The memory in use just before the last step (valid after {@link #beforeStep()}), when {@link #steadyName()} is set. */
    default long steadyBytes() {
        return 0;
    }
}
