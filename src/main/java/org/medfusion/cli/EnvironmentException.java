package org.medfusion.cli;

/**
 * The environment does not allow the command to go on (the run directory is in use by another run); exit code
 * {@link ExitCodes#DATA}, one-line message.
 */
public class EnvironmentException extends RuntimeException {
    public EnvironmentException(String message) {
        super(message);
    }
}
