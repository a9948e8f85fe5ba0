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
 * Prints the merged run directory as its last line. A merge that lacks shards of the matrix (absent, or a task that did
 * not finish) still writes the merged directory, names the missing shards on stderr and exits {@link ExitCodes#FAILED}.
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
        if (m.incomplete()) {
            var err = spec.commandLine().getErr();
            err.println("error: incomplete merge: shard" + (m.missingShards().size() == 1 ? " " : "s ")
                    + String.join(", ", m.missingShards()) + " of the matrix not among the directories given, or not finished"
                    + " there; " + out + " lists them as missingShards (its report says so; no baseline)");
            err.flush();
            return ExitCodes.FAILED;
        }
        return ExitCodes.OK;
    }
}
