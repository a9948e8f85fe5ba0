package org.medfusion.cli;

import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import picocli.CommandLine.Option;

/**
 * What is trained and where: {@code --model --res --precision --device}, one picocli {@code @Mixin} for {@code capacity}
 * and, through {@link CellOptions}, {@code measure}, {@code verify} and {@code step-trace}. {@code --res} has no default
 * here: each command gives its own through an {@link OptionDefaults} provider, which {@code --help} shows.
 * {@link ProfileOptions} keeps its own four: its precision and device help says what profiling supports for now.
 */
public final class ModelSetupOptions {

    @Option(names = "--model", required = true, description = "Model name (see list-models).")
    String model;

    @Option(names = "--res", description = "Input resolution in px (default: ${DEFAULT-VALUE}).")
    int res;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or amp (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device;

    /** The precision; a bad label is a one-line usage error naming it and what is allowed. */
    Precision precision() {
        return Precision.parse(precision);
    }

    /** The device; a bad label is a one-line usage error naming it and what is allowed. */
    Device device() {
        return Device.parse(device);
    }
}
