package org.medfusion.bench;

/**
 * Another process held JMH's machine-wide lock for longer than the lock timeout. Not a property of any cell, so no
 * cell is written; the CLI maps it to exit code 3 (environment) and a re-run resumes.
 */
public final class JmhLockTimeoutException extends RuntimeException {
    public JmhLockTimeoutException(String message) {
        super(message);
    }
}
