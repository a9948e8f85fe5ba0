package org.medfusion.cli;

/**
 * libtorch's native libraries could not be loaded (offline, nothing on the classpath or PYTORCH_LIBRARY_PATH), or
 * they crash on this CPU and no fallback helps (see {@link org.medfusion.natives.Natives}); exit code 3.
 */
public final class NativesMissingException extends RuntimeException {

    public NativesMissingException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Loads the PyTorch engine once and applies the native fallback this machine needs
     * ({@link org.medfusion.natives.Natives#ensureEngine()}); throws with a one-line explanation when it cannot work.
     */
    public static org.medfusion.natives.Natives.Decision ensureEngine() {
        try {
            return org.medfusion.natives.Natives.ensureEngine();
        } catch (org.medfusion.natives.EngineUnavailableException e) {
            throw new NativesMissingException(e.getMessage(), e);
        }
    }
}
