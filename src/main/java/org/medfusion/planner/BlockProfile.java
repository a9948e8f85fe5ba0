package org.medfusion.planner;

/**
 * Measured figures of one block of a model at one (batch, res, precision, device). All byte figures
 * are CPU memory measured in a child JVM run with {@code MALLOC_MMAP_THRESHOLD_=65536} (so freed tensors
 * go back to the OS at once and resident memory tracks live tensors); times are medians from a separate
 * child run with the timing forks' allocator setting ({@code platform.GlibcMalloc.TIMING}). See {@link Profiler} for how each figure is taken.
 *
 * @param index position of the block in the model's block list
 * @param name the block's class (for reading the profile)
 * @param outputBytes bytes of the block's output tensor (shape x dtype size): the boundary a segment
 *        ending here keeps
 * @param keptBytes bytes the block adds to live memory when it runs with grad inside a plain forward
 *        chain: its output plus what autograd saves for its backward, minus its input when autograd does
 *        not keep that (malloc in-use bytes, glibc {@code mallinfo2}, after the block's forward from a
 *        private copy of its input whose handle is then closed, minus before it)
 * @param forwardPeakBytes peak resident growth during the block's forward with grad, above the memory in
 *        use just before it (temporaries included, even those freed before the forward returns)
 * @param forwardNoGradPeakBytes the same with grad off (includes its output)
 * @param backwardPeakBytes peak resident growth during the block's backward (vector-Jacobian product of
 *        its output with an upstream gradient of the output's shape), above the memory in use just before
 *        it (its kept tensors and the upstream gradient are already held; the input's gradient is counted)
 * @param forwardMs median forward time with grad (ms), timed inside passes over the whole chain of blocks, as a
 *     recompute runs it (profile format 8 on; {@code Profiler.chainForwardTimes})
 * @param forwardNoGradMs median forward time with grad off (ms), timed the same way
 * @param backwardMs median backward time (ms)
 * @param inputFreedBytes bytes of the block's input that a chain frees after the block because autograd
 *        does not keep them (kept with the input held minus {@code keptBytes}); when the block starts a
 *        segment its input is a boundary held anyway, so there it adds {@code keptBytes + inputFreedBytes}
 */
public record BlockProfile(int index, String name, long outputBytes, long keptBytes, long forwardPeakBytes,
        long forwardNoGradPeakBytes, long backwardPeakBytes, double forwardMs, double forwardNoGradMs, double backwardMs,
        long inputFreedBytes) {

    /** A block whose input autograd keeps (or that never starts a segment): {@code inputFreedBytes} 0. */
    public BlockProfile(int index, String name, long outputBytes, long keptBytes, long forwardPeakBytes,
            long forwardNoGradPeakBytes, long backwardPeakBytes, double forwardMs, double forwardNoGradMs, double backwardMs) {
        this(index, name, outputBytes, keptBytes, forwardPeakBytes, forwardNoGradPeakBytes, backwardPeakBytes, forwardMs,
                forwardNoGradMs, backwardMs, 0);
    }

    /** What the block adds to live memory when it runs with grad as the first block of a segment (input held). */
    public long keptAsSegmentStartBytes() {
        return keptBytes + inputFreedBytes;
    }

    /** This block with the given forward times (ms, with grad and without), everything else unchanged. */
    public BlockProfile withForwardTimes(double withGradMs, double noGradMs) {
        return new BlockProfile(index, name, outputBytes, keptBytes, forwardPeakBytes, forwardNoGradPeakBytes,
                backwardPeakBytes, withGradMs, noGradMs, backwardMs, inputFreedBytes);
    }

    /** This block's memory figures with the times of {@code timed} (same block from a timing run). */
    public BlockProfile withTimesOf(BlockProfile timed) {
        return new BlockProfile(index, name, outputBytes, keptBytes, forwardPeakBytes, forwardNoGradPeakBytes,
                backwardPeakBytes, timed.forwardMs, timed.forwardNoGradMs, timed.backwardMs, inputFreedBytes);
    }
}
