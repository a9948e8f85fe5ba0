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

    /** Converted by picocli (any case); a bad value is its one-line usage error listing the allowed ones. */
    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or amp (default: ${DEFAULT-VALUE}).")
    Precision precision;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (default: ${DEFAULT-VALUE}).")
    Device device;
}
