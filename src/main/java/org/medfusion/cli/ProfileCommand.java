package org.medfusion.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.medfusion.planner.ModelProfile;
import org.medfusion.planner.ProfileCache;
import org.medfusion.planner.ProfileKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code profile}: the measured per-block profile of a model (see {@link org.medfusion.planner.BlockProfile}
 * for what each column means), from the cache or measured now in two child JVMs. Exit 0, 2 on bad input.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Per-block profile: output bytes, bytes kept for backward, forward/backward peaks and times.")
public final class ProfileCommand implements Callable<Integer> {


    @Mixin
    ProfileOptions options;

    @Option(names = "--format", converter = OutputFormat.CsvOrJson.class, defaultValue = "csv", description = "csv or json (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Option(names = "--remeasure", description = "Measure even when a cached profile exists.")
    boolean remeasure;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ProfileKey key = options.key();
        NativesMissingException.ensureCovered(java.util.List.of(new org.medfusion.backbones.ConvShapes.ModelAtSize(key.model(), key.res()))); // before its workers run
        ModelProfile p = ProfileCache.standard().loadOrMeasure(key, remeasure);
        PrintWriter w = spec.commandLine().getOut();
        w.print(format == OutputFormat.JSON ? p.toJson() + System.lineSeparator() : p.toCsv());
        w.flush();
        return ExitCodes.OK;
    }

    /** Validated profile coordinates; one-line errors for bad values. */
}
