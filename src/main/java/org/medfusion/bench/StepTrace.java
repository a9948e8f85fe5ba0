package org.medfusion.bench;

import org.medfusion.platform.ProcSched;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.openjdk.jmh.annotations.Fork;

/**
 * One cell's training steps, one after another, each with where its time went ({@link ProcSched}): the child JVM of
 * {@code step-trace}. It runs with exactly a timing fork's JVM options and allocator ({@link #jvmArgs()},
 * {@link TimingAllocator#ENVIRONMENT}) and the same {@link TrainingCell}, so a noisy cell can be taken apart step by
 * step outside JMH. Prints CSV on stdout ({@link #COLUMNS}; {@code threads}: libtorch's intra-op threads the step ran with).
 */
public final class StepTrace {

    /** The CSV columns, in order. Times in milliseconds. */
    public static final List<String> COLUMNS = List.of("step", "phase", "threads", "wall_ms", "own_cpu_ms", "own_wait_ms", "minor_faults",
            "major_faults", "others_cpu_ms", "steal_ms");

    private StepTrace() {
    }

    /** The JVM options of a timing fork: those of {@link TrainingStepBenchmark}'s {@code @Fork}, read from it. */
    public static List<String> jvmArgs() {
        return List.of(TrainingStepBenchmark.class.getAnnotation(Fork.class).jvmArgsAppend());
    }

    /** Arguments: model batch res segments split precision device warmup steps. */
    public static void main(String[] args) throws IOException {
        if (args.length != 9) {
            throw new IllegalArgumentException("usage: StepTrace model batch res segments split precision device warmup steps");
        }
        TrainingCell cell = TrainingCell.fromArgs(args);
        int warmup = Integer.parseInt(args[7]);
        int steps = Integer.parseInt(args[8]);
        boolean proc = ProcSched.isAvailable();
        cell.setUp();
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (CSVPrinter csv = new CSVPrinter(out, CSVFormat.DEFAULT.builder().setHeader(COLUMNS.toArray(String[]::new)).build())) {
            for (int i = 0; i < warmup + steps; i++) {
                cell.measuring = i >= warmup;
                ProcSched before = proc ? ProcSched.now() : null;
                long start = System.nanoTime();
                cell.trainingStep();
                double wall = (System.nanoTime() - start) / 1e6;
                List<Object> row = new ArrayList<>(List.of(i, cell.measuring ? "measured" : "warmup", ai.djl.pytorch.jni.JniUtils.getNumThreads(),
                        ms(wall)));
                if (proc) {
                    ProcSched.Delta d = ProcSched.now().since(before);
                    row.addAll(List.of(ms(d.ownCpuMs()), ms(d.ownWaitMs()), d.minorFaults(), d.majorFaults(), ms(d.othersCpuMs()), ms(d.stealMs())));
                } else {
                    row.addAll(List.of("", "", "", "", "", "")); // not measurable here: missing, not zero
                }
                csv.printRecord(row);
                csv.flush();
            }
        } finally {
            cell.tearDown();
        }
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
