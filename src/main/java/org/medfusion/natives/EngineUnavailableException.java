package org.medfusion.natives;

/** libtorch cannot work in this process: its natives are missing, or it crashes on this CPU and no fallback helps. */
public final class EngineUnavailableException extends RuntimeException {

    public EngineUnavailableException(String message) {
        super(message);
    }

    public EngineUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
