package org.medfusion.cli;

import sun.misc.Signal;

/**
 * SIGTERM ends the process with {@link ExitCodes#INTERRUPTED} (130), as Ctrl-C does, instead of the JVM's 143.
 *
 * <p>The handler runs on its own thread (not a shutdown hook, so calling {@code System.exit} there cannot deadlock):
 * it stops the JMH forks this process started (they would otherwise run on, orphaned) and exits with 130; shutdown
 * hooks still run. Cells are written atomically, so the interrupted cell leaves nothing behind and a re-run resumes.
 */
final class Interrupts {

    private Interrupts() {
    }

    static void exitWith130OnSigterm() {
        try {
            Signal.handle(new Signal("TERM"), s -> {
                ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
                System.exit(ExitCodes.INTERRUPTED);
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGTERM on this platform or it is reserved: the JVM's default (143) applies
        }
    }
}
