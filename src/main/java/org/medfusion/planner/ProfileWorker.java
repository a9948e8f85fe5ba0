package org.medfusion.planner;


/**
 * Entry point of the child JVM that measures a profile: {@code model batch res repeats outFile}. Writes the
 * blocks as a {@link ModelProfile} JSON document to {@code outFile} (environment fields left for the parent).
 * Run by {@link ProfileCache}, once with the memory environment and once without (times).
 */
public final class ProfileWorker {

    private ProfileWorker() {
    }

    public static void main(String[] args) {
        String model = args[0];
        int batch = Integer.parseInt(args[1]);
        int res = Integer.parseInt(args[2]);
        int repeats = Integer.parseInt(args[3]);
        Profiler.Result r = new Profiler(repeats).measure(model, batch, res);
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
