package org.medfusion.cli;

import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * What a command prints its result as ({@code --format}). One enum for every command; each command accepts only the
 * formats it can print, through the converter of its {@code --format} option ({@link JsonOrTable}, ...), so that
 * a value it does not print is picocli's one-line usage error listing the allowed ones.
 */
enum OutputFormat {
    TABLE, TEXT, JSON, CSV;

    /** The name on the command line: {@code table}, {@code text}, {@code json}, {@code csv}. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Converts a {@code --format} value among the formats a command prints (any case). */
    abstract static class Allowed implements ITypeConverter<OutputFormat> {
        private final List<OutputFormat> allowed;

        Allowed(OutputFormat... allowed) {
            this.allowed = List.of(allowed);
        }

        @Override
        public OutputFormat convert(String value) {
            for (OutputFormat f : allowed) {
                if (f.label().equalsIgnoreCase(value)) {
                    return f;
                }
            }
            throw new TypeConversionException("expected one of " + allowed.stream().map(OutputFormat::label).toList()
                    + " but was '" + value + "'");
        }

        /** The allowed formats, for tests and help. */
        List<String> labels() {
            return allowed.stream().map(OutputFormat::label).toList();
        }
    }

    /** {@code json} or {@code table} ({@code measure}, {@code verify}, {@code plan}). */
    static final class JsonOrTable extends Allowed {
        JsonOrTable() {
            super(JSON, TABLE);
        }
    }

    /** {@code text} or {@code json} ({@code gate}, {@code libtorch-check}). */
    static final class TextOrJson extends Allowed {
        TextOrJson() {
            super(TEXT, JSON);
        }
    }

    /** {@code csv} or {@code table} ({@code list-models}). */
    static final class CsvOrTable extends Allowed {
        CsvOrTable() {
            super(CSV, TABLE);
        }
    }

    /** {@code csv} or {@code json} ({@code profile}). */
    static final class CsvOrJson extends Allowed {
        CsvOrJson() {
            super(CSV, JSON);
        }
    }
}
