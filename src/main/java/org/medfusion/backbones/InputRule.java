package org.medfusion.backbones;

/** Which input resolutions a model accepts; {@link #validate} throws a one-line error otherwise. */
@FunctionalInterface
public interface InputRule {

    /** CNNs: any square resolution of at least 32 px. */
    InputRule CNN = (model, res) -> {
        if (res < 32) {
            throw new IllegalArgumentException(model + " needs a resolution >= 32, got " + res);
        }
    };

    /** A rule requiring the resolution to be a multiple of {@code divisor} and at least {@code min}. */
    static InputRule multipleOf(int divisor, int min, String why) {
        return (model, res) -> {
            if (res < min || res % divisor != 0) {
                throw new IllegalArgumentException(model + " needs a resolution that is a multiple of " + divisor
                        + " and >= " + min + " (" + why + "), got " + res);
            }
        };
    }

    /** A rule requiring the resolution to be at least {@code min}, any value above it allowed. */
    static InputRule atLeast(int min, String why) {
        return (model, res) -> {
            if (res < min) {
                throw new IllegalArgumentException(model + " needs a resolution >= " + min + " (" + why + "), got " + res);
            }
        };
    }

    void validate(String model, int resolution);
}
