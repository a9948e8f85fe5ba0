package org.medfusion.checkpoint;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Makes every random draw of a block (dropout masks, stochastic depth) a pure function of
 * (base seed, training step, block index): the engine reseeds libtorch's generator before each
 * block's forward. A recomputed block therefore draws exactly the masks of its first forward,
 * and a checkpointed step draws the same masks as a plain step whatever the segmentation.
 * (DJL 0.36 exposes only {@code manual_seed}, not get/set of the generator state.)
 */
public final class BlockRng {

    private final long baseSeed;

    public BlockRng(long baseSeed) {
        this.baseSeed = baseSeed;
    }

    /** Seeds libtorch's default generator for block {@code blockIndex} of step {@code step}. */
    public void seed(long step, int blockIndex) {
        JniUtils.setSeed(mix(baseSeed, step, blockIndex));
    }

    static long mix(long seed, long step, int block) {
        // SplitMix64 finaliser over the three inputs: distinct, well-spread seeds per block and step.
        long z = seed + 0x9E3779B97F4A7C15L * (step + 1) + 0xBF58476D1CE4E5B9L * (block + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }
}
