package org.medfusion.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.PatternSyntaxException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.backbones.ModelSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code list-models}: every registered model with its trainable parameter count (1000 classes,
 * 224 px), its number of checkpointable blocks and its default segment count. Builds each model,
 * so listing all of them takes a while for the largest.
 */
@Command(name = "list-models", mixinStandardHelpOptions = true,
        description = "Lists the registered models (csv: model,family,parameters,blocks,default_segments).")
public final class ListModelsCommand implements Callable<Integer> {


    @Option(names = "--format", converter = OutputFormat.CsvOrTable.class, defaultValue = "table", description = "csv or table (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Option(names = "--pattern", defaultValue = "*", description = "Glob over model names, e.g. 'resnet*'.")
    String pattern;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> names = models();
        NativesMissingException.ensureEngine();
        PrintWriter out = spec.commandLine().getOut();
        if (format == OutputFormat.CSV) {
            try (CSVPrinter p = new CSVPrinter(out, CSVFormat.DEFAULT.builder().setRecordSeparator('\n')
                    .setHeader("model", "family", "parameters", "blocks", "default_segments").get())) {
                for (String name : names) {
                    ModelSummary m = ModelSummary.of(name);
                    p.printRecord(name, m.family(), m.parameters(), m.blocks(), m.defaultSegments());
                    p.flush();
                }
            }
        } else {
            out.printf("%-22s %-16s %14s %7s %17s%n", "model", "family", "parameters", "blocks", "default_segments");
            for (String name : names) {
                ModelSummary m = ModelSummary.of(name);
                out.printf("%-22s %-16s %,14d %7d %17d%n", name, m.family(), m.parameters(), m.blocks(), m.defaultSegments());
                out.flush();
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The models matching --pattern, resolved before anything is printed (a bad glob is a usage error, exit 2). */
    private List<String> models() {
        try {
            return BackboneRegistry.list(pattern);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("--pattern '" + pattern + "' is not a valid glob (* and ? wildcards): "
                    + e.getDescription());
        }
    }
}
