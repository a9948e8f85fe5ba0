package org.medfusion.cli;

import java.util.Optional;
import org.medfusion.results.ReferenceFramework;
import picocli.CommandLine.Option;

/**
 * {@code --reference torch} and {@code --python}: PyTorch measured beside our figures, as a picocli mixin
 * ({@code measure} for one cell, {@code run} for every cell of a run, as the config key {@code reference: [torch]}).
 */
public final class ReferenceOption {

    @Option(names = "--reference", paramLabel = "torch",
            description = "Also measure in the machine's PyTorch (torchvision's model, our blocks and segment plan, the same step, batch,"
                    + " resolution and threads; peak by our cpu.rss.peak method, time by the paired protocol) and give its figures and"
                    + " our/PyTorch ratios beside ours (run: in raw.csv, memory.csv, slowdown.csv and the report, as the config key"
                    + " reference: [torch]); \"not available\" without PyTorch.")
    String reference;

    @Option(names = "--python", description = "The Python interpreter with torch and torchvision for the reference (default: the first"
            + " of python3 on PATH and /usr/bin/python3 that imports both).")
    String python;

    /** The framework asked for, if any. @throws IllegalArgumentException (a usage error) for anything but torch */
    Optional<ReferenceFramework> framework() {
        return reference == null ? Optional.empty() : Optional.of(ReferenceFramework.parse(reference));
    }

    /** The interpreter named by {@code --python}, null to look for one. */
    String python() {
        return python;
    }
}
