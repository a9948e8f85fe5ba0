package org.medfusion.cli;

import org.medfusion.bench.CellValidation;
import org.medfusion.planner.ProfileKey;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import picocli.CommandLine.Option;

/** The configuration a profile is measured for, shared by {@code profile} and {@code plan} as a picocli mixin. */
public final class ProfileOptions {

    @Option(names = "--model", required = true, description = "Model name (see list-models).")
    String model;

    @Option(names = "--batch", defaultValue = "16", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--res", defaultValue = "112", description = "Input resolution in px (default: ${DEFAULT-VALUE}).")
    int res;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 only for now (default: ${DEFAULT-VALUE}).")
    Precision precision;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu only for now (default: ${DEFAULT-VALUE}).")
    Device device;

    /** The validated key (one-line usage errors for a bad value). */
    ProfileKey key() {
        CellValidation.validate(model, batch, res, 0);
        return new ProfileKey(model, batch, res, precision, device);
    }
}
