package org.medfusion.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.medfusion.platform.GlibcMalloc;
import org.medfusion.bench.StepTrace;
import org.medfusion.platform.AtomicFiles;
import org.medfusion.platform.ChildJvm;
import org.medfusion.results.CellKey;
import org.medfusion.results.Stats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code step-trace}: one cell's training steps in a child JVM set up exactly like a timing fork (its JVM options and
 * allocator environment), each step with where its time went ({@link org.medfusion.platform.ProcSched}): the tool for
 * finding out whether a cell's spread is the tool's or the machine's. A slow step whose threads waited in the run
 * queue was descheduled; one beside other processes' CPU time was displaced; one with page faults paid for memory;
 * one with none of these, both cores busy, ran slower on the CPUs it had (what the machine does, e.g. where a VM's
 * vCPUs are placed). Exit 0 when traced, 2 on bad input, 4 when the child JVM failed.
 */
@Command(name = "step-trace", mixinStandardHelpOptions = true, defaultValueProvider = MeasureCommand.Defaults.class, // measure's cell
        description = "Runs one cell's training steps in a timing fork's JVM and prints each step's time and where it went"
                + " (own CPU, run-queue wait, page faults, other processes, steal): CSV, then a summary.")
public final class StepTraceCommand implements Callable<Integer> {

    @Mixin
    CellOptions cell;

    @Option(names = "--warmup", defaultValue = "10", description = "Warm-up steps, traced but not summarized (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "60", description = "Measured steps, at least 2 (default: ${DEFAULT-VALUE}).")
    int steps;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--out", paramLabel = "<file>", description = "Write the CSV here (default: stdout, the summary then goes to stderr).")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CellKey key = cell.validatedKey();
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        }
        if (steps < 2) {
            throw new IllegalArgumentException("--steps must be >= 2 (a spread needs two steps), got " + steps);
        }
        Integer threadCount = threads.value();
        if (out != null) {
            checkWritable(out); // before a trace of tens of seconds, not after
        }
        NativesMissingException.ensureCovered(List.of(new org.medfusion.backbones.ConvShapes.ModelAtSize(key.model(), key.res())));
        String csv;
        try {
            csv = runChild(key, threadCount);
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return ExitCodes.ERROR;
        }
        PrintWriter summaryTo = out == null ? spec.commandLine().getErr() : spec.commandLine().getOut();
        if (out == null) {
            spec.commandLine().getOut().print(csv);
            spec.commandLine().getOut().flush();
        } else {
            AtomicFiles.writeString(out, csv);
        }
        summaryTo.print(summary(key, csv));
        summaryTo.flush();
        return ExitCodes.OK;
    }

    private String runChild(CellKey key, Integer threadCount) throws IOException {
        List<String> jvmArgs = new ArrayList<>(StepTrace.jvmArgs());
        jvmArgs.add(org.medfusion.natives.Natives.forkJvmArg());
        if (threadCount != null) {
            jvmArgs.add(org.medfusion.bench.MeasureSettings.threadsJvmArg(threadCount));
        }
        ChildJvm child = ChildJvm.of(StepTrace.class).jvmArgs(jvmArgs).args(List.of(key.model(), Integer.toString(key.batch()),
                Integer.toString(key.res()), Integer.toString(key.segments()), key.split().label(), key.precision().label(),
                key.device().label(), Integer.toString(warmup), Integer.toString(steps))).what("tracing " + key.id());
        GlibcMalloc.TIMING.applyTo(child);
        Path errors = java.nio.file.Files.createTempDirectory("medfusion-step-trace");
        try {
            return child.errorDir(errors).runForOutput();
        } finally {
            if (!java.nio.file.Files.list(errors).findAny().isPresent()) {
                AtomicFiles.deleteTreeQuietly(errors); // a crash's hs_err stays, named in the error
            }
        }
    }

    /** The measured steps' spread and, per step on average, where the time went; the slowest steps one by one. */
    static String summary(CellKey key, String csv) throws IOException {
        List<CSVRecord> rows = new ArrayList<>();
        for (CSVRecord r : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build().parse(new StringReader(csv))) {
            if ("measured".equals(r.get("phase"))) {
                rows.add(r);
            }
        }
        List<Double> wall = rows.stream().map(r -> Double.parseDouble(r.get("wall_ms"))).toList();
        Stats.Summary s = Stats.summarize(wall);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "step-trace %s: %d measured steps, %s libtorch thread(s) (timing fork's JVM options and allocator)%n",
                key.id(), wall.size(), rows.isEmpty() ? "?" : rows.get(0).get("threads")));
        b.append(String.format(Locale.ROOT, "step time  median %.1f ms, CV %.1f %%, slowest %.2fx the median; CV of 10-step windows %s%n",
                s.median(), 100 * Stats.cv(wall), wall.stream().mapToDouble(Double::doubleValue).max().orElseThrow() / s.median(),
                windows(wall)));
        if (rows.isEmpty() || rows.get(0).get("own_cpu_ms").isEmpty()) {
            return b.append("where the time went: not measurable here (no /proc schedstat)\n").toString();
        }
        b.append(String.format(Locale.ROOT, "per step   own CPU %.1f ms (%.2f cores busy), run-queue wait %.2f ms, page faults %.0f minor"
                + " / %.0f major, other processes' CPU %.2f ms, steal %.2f ms%n", mean(rows, "own_cpu_ms"),
                mean(rows, "own_cpu_ms") / mean(rows, "wall_ms"), mean(rows, "own_wait_ms"), mean(rows, "minor_faults"),
                mean(rows, "major_faults"), mean(rows, "others_cpu_ms"), mean(rows, "steal_ms")));
        b.append("slowest    ");
        rows.stream().sorted(Comparator.comparingDouble((CSVRecord r) -> Double.parseDouble(r.get("wall_ms"))).reversed()).limit(3)
                .forEach(r -> b.append(String.format(Locale.ROOT, "#%s %s ms (%.2f cores busy, wait %s, others %s, faults %s) ", r.get("step"),
                        r.get("wall_ms"), Double.parseDouble(r.get("own_cpu_ms")) / Double.parseDouble(r.get("wall_ms")), r.get("own_wait_ms"),
                        r.get("others_cpu_ms"), r.get("minor_faults"))));
        return b.append(System.lineSeparator()).toString();
    }

    private static double mean(List<CSVRecord> rows, String column) {
        return rows.stream().mapToDouble(r -> Double.parseDouble(r.get(column))).average().orElse(Double.NaN);
    }

    /** The smallest and largest CV of consecutive 10-step windows ("n/a" below 20 steps: one window says nothing new). */
    private static String windows(List<Double> wall) {
        if (wall.size() < 20) {
            return "n/a (fewer than 20 steps)";
        }
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (int i = 0; i + 10 <= wall.size(); i += 10) {
            double cv = Stats.cv(wall.subList(i, i + 10));
            lo = Math.min(lo, cv);
            hi = Math.max(hi, cv);
        }
        return String.format(Locale.ROOT, "%.1f-%.1f %%", 100 * lo, 100 * hi);
    }

    /** {@code --out} must be a file we can create or replace: its folder exists and is writable, it is no directory. */
    static void checkWritable(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (java.nio.file.Files.isDirectory(file)) {
            throw new IllegalArgumentException("--out " + file + " is a directory; give a file path for the CSV");
        }
        if (dir == null || !java.nio.file.Files.isDirectory(dir) || !java.nio.file.Files.isWritable(dir)
                || (java.nio.file.Files.exists(file) && !java.nio.file.Files.isWritable(file))) {
            throw new IllegalArgumentException("--out " + file + " cannot be written (" + (dir == null || !java.nio.file.Files.isDirectory(dir)
                    ? "its folder does not exist" : "no write permission") + "); give a writable file path");
        }
    }
}
