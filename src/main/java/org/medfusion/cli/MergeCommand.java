package org.medfusion.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.medfusion.results.Merger;
import org.medfusion.results.RunManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code merge --out <dir> <shard-dirs...>}: combines the run directories of {@code run --shard k/n} into one run
 * directory (cells + merged manifest), then {@code report <dir>} renders it. Refuses shards of different configs
 * or environments and duplicate cells ({@link ExitCodes#DATA}, one-line message naming the differing field).
 * Prints the merged run directory as its last line.
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge shard run directories into one run directory (then run `report` on it).",
        exitCodeOnInvalidInput = ExitCodes.USAGE)
public final class MergeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "<dir>", description = "the merged run directory")
    Path out;

    @Parameters(arity = "1..*", paramLabel = "<shard-dir>", description = "run directories of the shards")
    List<Path> shards;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        RunManifest m = Merger.merge(shards, out);
        o.println("merged " + shards.size() + " shards, " + m.cells().size() + " cells, into");
        o.println(out);
        o.flush();
        return ExitCodes.OK;
    }
}
