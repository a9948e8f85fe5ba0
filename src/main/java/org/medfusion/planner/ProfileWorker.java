package org.medfusion.planner;


/**
 * Entry point of the child JVM that measures a profile: {@code model batch res repeats outFile role}. Writes the
 * blocks as a {@link ModelProfile} JSON document to {@code outFile} (environment fields left for the parent).
 * Run by {@link ProfileCache}, once with the memory environment ({@link Role#MEMORY}) and once with the timing one
 * ({@link Role#TIMES}).
 */
public final class ProfileWorker {

    /** Which figures of a worker's profile the parent keeps: the memory worker skips the chain passes that time blocks. */
    enum Role { MEMORY, TIMES }

    private ProfileWorker() {
    }

    public static void main(String[] args) {
        String model = args[0];
        int batch = Integer.parseInt(args[1]);
        int res = Integer.parseInt(args[2]);
        int repeats = Integer.parseInt(args[3]);
        Role role = Role.valueOf(args[5]);
        Profiler.Result r = new Profiler(repeats).measure(model, batch, res, role == Role.TIMES);
        ModelProfile p = new ModelProfile(ModelProfile.FORMAT_VERSION, model, batch, res, "fp32", "cpu", "", "",
                ProfileCache.MEMORY_METHOD, r.updatePeakBytes(), r.blocks());
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(args[4]), p.toJson());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        System.exit(0);
    }
}
