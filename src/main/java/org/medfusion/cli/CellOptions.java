package org.medfusion.cli;

import org.medfusion.bench.CellValidation;
import org.medfusion.checkpoint.Split;
import org.medfusion.results.CellKey;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The coordinates of one cell on the command line, shared by {@code measure} and {@code verify} as a picocli
 * {@code @Mixin}: {@code --model --batch --res --segments --split --precision --device} (model, resolution, precision
 * and device from {@link ModelSetupOptions}). Batch, resolution and segments have no default here: each command gives
 * its own through an {@link OptionDefaults} provider (measure's are a benchmark cell, verify's a quick check), which
 * {@code --help} shows.
 */
public final class CellOptions {

    @Mixin
    ModelSetupOptions setup;

    @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--segments", description = "Checkpoint segments (0 = off where allowed) (default: ${DEFAULT-VALUE}).")
    int segments;

    @Option(names = "--split", defaultValue = "uniform",
            description = "Segment boundaries: uniform, torch (PyTorch's checkpoint_sequential) or optimal (least predicted peak from the profile) (default: ${DEFAULT-VALUE}).")
    String split;

    /** The cell; labels are parsed here (one-line errors naming the value and what is allowed: exit 2). */
    public CellKey key() {
        return new CellKey(setup.model, batch, setup.res, segments, Split.parse(split), setup.precision, setup.device);
    }

    /** The cell, checked by the one validator of a cell's values ({@link CellValidation}) before anything is built or forked. */
    public CellKey validatedKey() {
        CellKey key = key();
        CellValidation.validate(key);
        return key;
    }
}
