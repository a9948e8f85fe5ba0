package org.medfusion.backbones;

/** Test sizes shared by the registry-wide tests. */
public final class ZooSizes {

    private ZooSizes() {
    }

    /** The smallest multiple of 32 that the model's input rule accepts. */
    public static int smallestResolution(ModelSpec spec) {
        for (int res = 32; res <= 448; res += 32) {
            try {
                spec.inputRule().validate(spec.name(), res);
                return res;
            } catch (IllegalArgumentException e) {
                // try the next size
            }
        }
        throw new IllegalStateException("no valid resolution up to 448 for " + spec.name());
    }
}
