package org.medfusion.backbones.weights;

import org.medfusion.results.ReportDataException;

/**
 * A weights file that cannot be loaded into a backbone: unreadable, truncated or corrupt safetensors, a tensor of an
 * unsupported dtype, a missing or unexpected key, or a shape that differs from the backbone's. One line naming the
 * file and key; bad data, so the CLI exits 3 ({@link org.medfusion.cli.ExitCodes#DATA}) through the one error handler.
 */
public class WeightsException extends ReportDataException {
    public WeightsException(String message) {
        super(message);
    }
}
