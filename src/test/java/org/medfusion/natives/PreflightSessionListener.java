package org.medfusion.natives;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Applies the native preflight verdict in every test JVM before any test runs (registered in
 * {@code META-INF/services/org.junit.platform.launcher.LauncherSessionListener}), so that on a machine where oneDNN
 * crashes the tests run with the fallback, as the CLI does, instead of killing the surefire fork. Cheap when the
 * verdict is cached (a file read); a few seconds on a fresh machine. Never fails the session: a test that needs the
 * engine reports the problem itself.
 */
public final class PreflightSessionListener implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        try {
            Natives.Decision d = Natives.ensureEngine();
            if (d.fallbackApplied()) {
                System.err.println(d.consoleLine());
            }
        } catch (RuntimeException e) {
            System.err.println("native preflight: " + e.getMessage());
        }
    }
}
