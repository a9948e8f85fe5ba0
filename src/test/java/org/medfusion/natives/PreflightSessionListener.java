package org.medfusion.natives;

import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.backbones.ConvShapes;
import org.medfusion.backbones.ConvShapes.ModelAtSize;
import org.medfusion.backbones.ZooSizes;

/**
 * Makes the native preflight cover, before any test runs (registered in
 * {@code META-INF/services/org.junit.platform.launcher.LauncherSessionListener}), the convolutions of every registered
 * model at the sizes tests use (its smallest valid size, 32 and 64 px where valid), in one probe child whose verdict
 * is cached: on a machine where oneDNN crashes the tests then run with the fallback from the start, as the CLI does,
 * and the test JVM does not start a probe child per model. A convolution outside this set is still covered on first
 * use ({@link ConvCall}). Never fails the session: a test that needs the engine reports the problem itself.
 */
public final class PreflightSessionListener implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        try {
            long start = System.nanoTime();
            Natives.ensureEngine();
            Set<ModelAtSize> scope = new LinkedHashSet<>();
            for (String name : BackboneRegistry.names()) {
                int smallest = ZooSizes.smallestResolution(BackboneRegistry.spec(name));
                for (int size : new int[] {smallest, 32, 64}) {
                    if (size >= smallest && accepts(name, size)) {
                        scope.add(new ModelAtSize(name, size));
                    }
                }
            }
            Natives.Decision d = Natives.ensureCovered(ConvShapes.of(scope));
            System.err.printf("native preflight for the tests: %s (%d models at %d sizes, %d ms)%n", d.consoleLine(),
                    BackboneRegistry.names().size(), scope.size(), (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            System.err.println("native preflight: " + e.getMessage());
        }
    }

    private static boolean accepts(String model, int size) {
        try {
            BackboneRegistry.spec(model).inputRule().validate(model, size);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
