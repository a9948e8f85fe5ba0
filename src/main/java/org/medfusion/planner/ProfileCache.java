package org.medfusion.planner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.medfusion.platform.GlibcMalloc;
import org.medfusion.results.Device;
import org.medfusion.results.Environment;
import org.medfusion.results.Precision;

/**
 * Profiles measured once per configuration and environment, kept as JSON files under a cache directory
 * ({@code -Dmedfusion.profileCache}, else {@code $MEDFUSION_PROFILE_CACHE}, else
 * {@code ~/.cache/medfusion/profiles}). The file name holds the configuration and a hash of the CPU model
 * and libtorch version: a profile from another machine or libtorch is never reused.
 *
 * <p>A missing profile is measured by two child JVMs on this classpath ({@link ProfileWorker}): one with the memory
 * forks' allocator setting ({@link GlibcMalloc#MEMORY}) gives the memory figures, one with the timing forks'
 * ({@link GlibcMalloc#TIMING}) the times, so that a predicted recompute time and the recompute timed in a cell's fork
 * run under the same allocator. With glibc's defaults the time worker had ResNet-50 b16 112 px's early blocks 18-23 %
 * slower than in the timing environment (block 0: 24.4 vs 19.9 ms), and the sweep over-predicted the recompute of
 * PyTorch's 4- and 8-segment splits by 18-21 %. Both workers run with the measuring forks' JVM options
 * ({@link org.medfusion.platform.MeasuringJvm}: no C2 compiler or concurrent GC threads beside libtorch's).
 */
public final class ProfileCache {

    public static final String PROPERTY = "medfusion.profileCache";
    public static final String ENV = "MEDFUSION_PROFILE_CACHE";
    static final String MEMORY_METHOD = "cpu.rss (peaks) + mallinfo2 (kept, per block), medians, MALLOC_MMAP_THRESHOLD_=65536";
    private static final int REPEATS = 3;

    private final Path dir;

    public ProfileCache(Path dir) {
        this.dir = dir;
    }

    /** The cache directory from the property, the environment or the home directory. */
    public static ProfileCache standard() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(ENV);
        }
        Path dir = p == null || p.isBlank()
                ? Path.of(System.getProperty("user.home"), ".cache", "medfusion", "profiles")
                : Path.of(p);
        return new ProfileCache(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Where the profile of {@code key} in {@code env} lives. */
    public Path file(ProfileKey key, Environment env) {
        String fingerprint = Integer.toHexString((env.cpuModel() + "|" + env.libtorchVersion() + "|v" + ModelProfile.FORMAT_VERSION).hashCode());
        return dir.resolve(key.id() + "-" + fingerprint + ".json");
    }

    /**
     * The profile of {@code key} measured in {@code env} if one is cached; never measures. Empty as well for a
     * stale (older format) or unreadable file: a figure built on it would be invented.
     */
    public java.util.Optional<ModelProfile> cached(ProfileKey key, Environment env) {
        Path file = file(key, env);
        if (!Files.isRegularFile(file)) {
            return java.util.Optional.empty();
        }
        try {
            ModelProfile p = ModelProfile.fromJson(Files.readString(file));
            return p.formatVersion() == ModelProfile.FORMAT_VERSION ? java.util.Optional.of(p) : java.util.Optional.empty();
        } catch (IOException | UncheckedIOException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * The cached profile of {@code key}, measured now when absent ({@code remeasure}: always measured).
     *
     * @throws IllegalArgumentException for a configuration that cannot be profiled (gpu, amp)
     */
    public ModelProfile loadOrMeasure(ProfileKey key, boolean remeasure) {
        if (key.device() != Device.CPU) {
            throw new IllegalArgumentException("profiles are measured on device cpu only (their memory figures are host memory), got '"
                    + key.device().label() + "'");
        }
        if (key.precision() != Precision.FP32) {
            throw new IllegalArgumentException("profiles are measured in precision fp32 only (DJL 0.36 has no autocast), got '"
                    + key.precision().label() + "'");
        }
        Environment env = Environment.detect();
        Path file = file(key, env);
        try {
            if (!remeasure && Files.isRegularFile(file)) {
                ModelProfile cached = ModelProfile.fromJson(Files.readString(file));
                if (cached.formatVersion() == ModelProfile.FORMAT_VERSION) {
                    return cached;
                }
            }
            ModelProfile memory = runWorker(key, ProfileWorker.Role.MEMORY);
            ModelProfile time = runWorker(key, ProfileWorker.Role.TIMES);
            List<BlockProfile> merged = new ArrayList<>();
            for (int i = 0; i < memory.blocks().size(); i++) {
                merged.add(memory.blocks().get(i).withTimesOf(time.blocks().get(i)));
            }
            ModelProfile p = new ModelProfile(ModelProfile.FORMAT_VERSION, key.model(), key.batch(), key.res(), key.precision().label(),
                    key.device().label(), env.cpuModel(), env.libtorchVersion(), MEMORY_METHOD, memory.updatePeakBytes(), merged);
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, p.toJson());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ModelProfile runWorker(ProfileKey key, ProfileWorker.Role role) throws IOException {
        Path result = Files.createTempFile("medfusion-profile", ".json");
        try {
            return runWorker(key, role, result);
        } finally {
            Files.deleteIfExists(result);
        }
    }

    private ModelProfile runWorker(ProfileKey key, ProfileWorker.Role role, Path result) throws IOException {
        // the other setting's variables are removed, not inherited from ours; a crash's hs_err goes beside the profiles
        (role == ProfileWorker.Role.MEMORY ? GlibcMalloc.MEMORY : GlibcMalloc.TIMING).applyTo(org.medfusion.platform.ChildJvm.of(ProfileWorker.class))
                .jvmArgs(List.of("-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=1g", "-Dai.djl.offline=true"))
                .jvmArgs(org.medfusion.platform.MeasuringJvm.OPTIONS)
                .args(List.of(key.model(), Integer.toString(key.batch()), Integer.toString(key.res()), Integer.toString(REPEATS),
                        result.toString(), role.name()))
                .errorDir(dir.resolve("crashes")).what("profiling " + key.id()).runForOutput();
        return ModelProfile.fromJson(Files.readString(result));
    }
}
