package org.medfusion.cli;

/** libtorch's native libraries could not be loaded (offline, nothing on the classpath or PYTORCH_LIBRARY_PATH). */
public final class NativesMissingException extends RuntimeException {

    public NativesMissingException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Loads the PyTorch engine once; throws with a one-line explanation when its natives are missing. */
    public static void ensureEngine() {
        try {
            ai.djl.engine.Engine.getEngine("PyTorch");
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new NativesMissingException("libtorch natives not found (offline mode; build with the default cpu profile,"
                    + " or set PYTORCH_LIBRARY_PATH for a GPU build): " + root.getMessage(), e);
        }
    }
}
