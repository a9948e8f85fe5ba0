package org.medfusion.gate;

import org.medfusion.results.ReportDataException;

/**
 * The gate cannot give a verdict: the runs are not comparable (different configs) or nothing could be compared.
 * Never a pass: the CLI maps it to exit 3 like any unusable data.
 */
public final class GateRefusedException extends ReportDataException {
    public GateRefusedException(String message) {
        super(message);
    }
}
