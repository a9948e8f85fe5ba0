package org.medfusion.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.medfusion.bench.CellValidation;
import org.medfusion.planner.ModelProfile;
import org.medfusion.planner.ProfileCache;
import org.medfusion.planner.ProfileKey;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code profile}: the measured per-block profile of a model (see {@link org.medfusion.planner.BlockProfile}
 * for what each column means), from the cache or measured now in two child JVMs. Exit 0, 2 on bad input.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Per-block profile: output bytes, bytes kept for backward, forward/backward peaks and times.")
public final class ProfileCommand implements Callable<Integer> {

    enum Format { csv, json }

    @Option(names = "--model", required = true, description = "Model name (see list-models).")
    String model;

    @Option(names = "--batch", defaultValue = "16", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--res", defaultValue = "112", description = "Input resolution in px (default: ${DEFAULT-VALUE}).")
    int res;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 only for now (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu only for now (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--format", defaultValue = "csv", description = "csv or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--remeasure", description = "Measure even when a cached profile exists.")
    boolean remeasure;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ProfileKey key = keyOf(model, batch, res, precision, device);
        NativesMissingException.ensureEngine();
        ModelProfile p = ProfileCache.standard().loadOrMeasure(key, remeasure);
        PrintWriter w = spec.commandLine().getOut();
        w.print(format == Format.json ? p.toJson() + System.lineSeparator() : p.toCsv());
        w.flush();
        return ExitCodes.OK;
    }

    /** Validated profile coordinates; one-line errors for bad values. */
    static ProfileKey keyOf(String model, int batch, int res, String precision, String device) {
        CellValidation.validate(model, batch, res, 0);
        return new ProfileKey(model, batch, res, Precision.parse(precision), Device.parse(device));
    }
}
