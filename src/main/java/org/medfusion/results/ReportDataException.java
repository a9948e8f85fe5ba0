package org.medfusion.results;

/**
 * Bad or corrupt result data (a cell JSON, manifest, raw.csv, or shards that cannot be merged). The message
 * is one line naming the file (and line/column where known); the CLI maps it to exit code
 * {@link org.medfusion.cli.ExitCodes#DATA}.
 */
public class ReportDataException extends RuntimeException {
    public ReportDataException(String message) {
        super(message);
    }

    public ReportDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
