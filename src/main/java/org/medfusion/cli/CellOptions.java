package org.medfusion.cli;

import java.util.Map;
import org.medfusion.checkpoint.Split;
import org.medfusion.results.CellKey;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The coordinates of one cell on the command line, shared by {@code measure} and {@code verify} as a picocli
 * {@code @Mixin}: {@code --model --batch --res --segments --split --precision --device}. Batch, resolution and
 * segments have no default here: each command gives its own through a {@link Defaults} provider (measure's are a
 * benchmark cell, verify's a quick check), which {@code --help} shows.
 */
public final class CellOptions {

    @Option(names = "--model", required = true, description = "Model name (see list-models).")
    String model;

    @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--res", description = "Input resolution in px (default: ${DEFAULT-VALUE}).")
    int res;

    @Option(names = "--segments", description = "Checkpoint segments (0 = off where allowed) (default: ${DEFAULT-VALUE}).")
    int segments;

    @Option(names = "--split", defaultValue = "uniform",
            description = "Segment boundaries: uniform, torch (PyTorch's checkpoint_sequential) or optimal (least predicted peak from the profile) (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or amp (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device;

    /** The cell; labels are parsed here (one-line errors naming the value and what is allowed: exit 2). */
    public CellKey key() {
        return new CellKey(model, batch, res, segments, Split.parse(split), Precision.parse(precision), Device.parse(device));
    }

    /** A command's defaults of the options above that have none of their own (by long option name). */
    abstract static class Defaults implements IDefaultValueProvider {
        private final Map<String, String> values;

        Defaults(Map<String, String> values) {
            this.values = values;
        }

        @Override
        public String defaultValue(ArgSpec arg) {
            return arg instanceof OptionSpec o ? values.get(o.longestName()) : null;
        }
    }
}
