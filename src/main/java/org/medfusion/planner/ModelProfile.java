package org.medfusion.planner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * The measured per-block profile of a model at one configuration, with the environment it was measured
 * in (a profile is only valid on the same CPU model and libtorch version: the cache key includes them).
 *
 * @param updatePeakBytes peak resident growth of the optimizer update (AdamW over every parameter, after a
 *        backward), above the memory in use just before it: when the activations are already freed, so a step's
 *        peak is at least this whatever the plan
 * @param blocks one entry per checkpointable block, in order (the last is the head)
 */
public record ModelProfile(int formatVersion, String model, int batch, int res, String precision, String device,
        String cpuModel, String libtorchVersion, String memoryMethod, long updatePeakBytes, List<BlockProfile> blocks) {

    /**
     * Bumped whenever what a figure means changes, or what the blocks keep and free does (4: intermediates freed once
     * consumed; 5: each block's backward run as the engine's, output and gradient not held; 6: Swin and transformer-MLP
     * and MaxViT intermediates freed at their last use; 7: times measured under the timing forks' allocator setting; 8: forward times measured inside passes over the whole
     * chain of blocks; 9: workers run with the measuring forks' JVM options, {@code MeasuringJvm}), so stale cache files
     * are re-measured.
     */
    public static final int FORMAT_VERSION = 9;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public ModelProfile {
        blocks = List.copyOf(blocks);
    }

    /** The memory model of this profile. */
    public MemoryModel memoryModel() {
        return new MemoryModel(blocks, updatePeakBytes);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ModelProfile fromJson(String json) {
        try {
            return JSON.readValue(json, ModelProfile.class);
        } catch (IOException e) {
            throw new UncheckedIOException("not a model profile: " + e.getMessage(), e);
        }
    }

    /** One header line and one line per block. */
    public String toCsv() {
        StringBuilder sb = new StringBuilder("# optimizer update peak bytes: " + updatePeakBytes + "\n");
        sb.append("block,name,output_bytes,kept_bytes,forward_peak_bytes,forward_nograd_peak_bytes,"
                + "backward_peak_bytes,forward_ms,forward_nograd_ms,backward_ms,input_freed_bytes\n");
        for (BlockProfile b : blocks) {
            sb.append(String.format(Locale.ROOT, "%d,%s,%d,%d,%d,%d,%d,%.3f,%.3f,%.3f,%d%n", b.index(), b.name(), b.outputBytes(),
                    b.keptBytes(), b.forwardPeakBytes(), b.forwardNoGradPeakBytes(), b.backwardPeakBytes(), b.forwardMs(),
                    b.forwardNoGradMs(), b.backwardMs(), b.inputFreedBytes()));
        }
        return sb.toString();
    }
}
