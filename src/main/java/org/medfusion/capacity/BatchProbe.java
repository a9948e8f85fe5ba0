package org.medfusion.capacity;

/**
 * Measures the peak memory of one training step at a batch size (a real measurement in the bench; synthetic peak
 * functions in tests). Must not throw for a batch that fails: an out-of-memory, a crash or an error is a
 * {@link ProbeResult} with that status, which the search counts as "does not fit".
 */
@FunctionalInterface
public interface BatchProbe {

    ProbeResult probe(int batch);
}
