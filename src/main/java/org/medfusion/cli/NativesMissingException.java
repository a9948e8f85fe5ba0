package org.medfusion.cli;

import java.util.Collection;
import org.medfusion.backbones.ConvShapes;
import org.medfusion.natives.EngineUnavailableException;
import org.medfusion.natives.Natives;

/**
 * libtorch's native libraries could not be loaded (offline, nothing on the classpath or PYTORCH_LIBRARY_PATH), or
 * they crash on this CPU and no fallback helps (see {@link Natives}); exit code 3.
 */
public final class NativesMissingException extends RuntimeException {

    public NativesMissingException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Loads the PyTorch engine once ({@link Natives#ensureEngine()}); throws with a one-line explanation when it cannot. */
    public static Natives.Decision ensureEngine() {
        try {
            return Natives.ensureEngine();
        } catch (EngineUnavailableException e) {
            throw new NativesMissingException(e.getMessage(), e);
        }
    }

    /**
     * Loads the engine and makes the native preflight cover every convolution of {@code models} before anything runs
     * ({@link Natives#ensureCovered}): what a command does first when it will start children (JMH forks, profile
     * workers, step traces) that inherit its decision. A forced {@code -Dmedfusion.onednn} skips the model walk.
     */
    public static Natives.Decision ensureCovered(Collection<ConvShapes.ModelAtSize> models) {
        Natives.Decision d = ensureEngine();
        if (d.forced()) {
            return d;
        }
        try {
            return Natives.ensureCovered(ConvShapes.of(models));
        } catch (EngineUnavailableException e) {
            throw new NativesMissingException(e.getMessage(), e);
        }
    }
}
