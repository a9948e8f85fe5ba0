package org.medfusion.planner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.medfusion.results.Device;
import org.medfusion.results.Environment;
import org.medfusion.results.Precision;

/**
 * A synthetic (invented) profile of {@link #KEY}, cached where {@link ProfileCache} looks for it, for tests of what is
 * planned or predicted from a cached profile without measuring one. Register it with {@code @RegisterExtension}:
 * {@link #install} points {@link ProfileCache#PROPERTY} at the test's cache directory, and after each test the
 * build's own (hermetic) cache directory is restored.
 */
public final class CachedSyntheticProfile implements AfterEachCallback {

    /** The configuration the synthetic profile is of. */
    public static final ProfileKey KEY = new ProfileKey("resnet18", 2, 32, Precision.FP32, Device.CPU);

    private final String previousCache = System.getProperty(ProfileCache.PROPERTY);

    /**
     * A profile of {@link #KEY} with one block per output size: each block keeps 3x, peaks at 4x forward, 2x forward
     * without grad and 5x backward its output, and takes 2, 1 and 3 ms.
     *
     * @param updatePeakBytes the optimizer update's peak
     * @param inputFreedBytes per block, bytes of its input a chain frees after it (see {@link BlockProfile})
     */
    public static ModelProfile profile(long updatePeakBytes, long[] outputBytes, long[] inputFreedBytes) {
        List<BlockProfile> blocks = new ArrayList<>();
        for (int i = 0; i < outputBytes.length; i++) {
            long o = outputBytes[i];
            blocks.add(new BlockProfile(i, "b", o, 3 * o, 4 * o, 2 * o, 5 * o, 2, 1, 3, inputFreedBytes[i]));
        }
        return new ModelProfile(ModelProfile.FORMAT_VERSION, KEY.model(), KEY.batch(), KEY.res(), "fp32", "cpu", "x", "y", "synthetic",
                updatePeakBytes, blocks);
    }

    /** Writes {@code profile} into {@code cacheDir} as cached in {@code env}, and makes {@link ProfileCache} read from there. */
    public ModelProfile install(Path cacheDir, ModelProfile profile, Environment env) throws IOException {
        Path file = new ProfileCache(cacheDir).file(KEY, env);
        Files.createDirectories(file.getParent());
        Files.writeString(file, profile.toJson());
        System.setProperty(ProfileCache.PROPERTY, cacheDir.toString());
        return profile;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (previousCache == null) {
            System.clearProperty(ProfileCache.PROPERTY);
        } else {
            System.setProperty(ProfileCache.PROPERTY, previousCache);
        }
    }
}
