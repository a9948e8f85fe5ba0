package org.medfusion.reference;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.medfusion.bench.MeasureSettings;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.CellStore;
import org.medfusion.results.ReferenceFigures;
import org.medfusion.results.ReferenceFramework;
import org.medfusion.results.ReferenceStore;

/**
 * PyTorch beside every cell of a run ({@code reference: [torch]}, {@code run --reference torch}): after a cell is
 * measured and stored, the same cell is measured in PyTorch ({@link ReferenceRunner}) and stored beside it
 * ({@link ReferenceStore}); on resume, stored figures are kept and cells measured earlier without them get theirs.
 * A cell of ours that has no figures to compare (oom, error, crash, unsupported) gets "not available" with that reason
 * instead of an hour of PyTorch. Nothing here changes a cell's status or the run's exit code.
 */
public final class RunReferences {

    private final Path runDir;
    private final ReferenceFramework framework;
    private final ReferenceRunner runner;
    private final boolean keepErrors;
    private final PrintWriter progress;

    public RunReferences(Path runDir, ReferenceFramework framework, String python, MeasureSettings settings, boolean keepErrors,
            PrintWriter progress) {
        this.runDir = runDir;
        this.framework = framework;
        this.runner = new ReferenceRunner(python, settings);
        this.keepErrors = keepErrors;
        this.progress = progress;
        ReferenceStore.configure(runDir, framework); // the run has the reference from now on, whatever happens next
    }

    /** Measures and stores the reference of {@code r}'s cell unless resume keeps the stored one. */
    public void after(CellResult r) {
        CellKey k = r.key();
        if (ReferenceStore.isDone(runDir, framework, k, runner.threads(), keepErrors)) {
            return;
        }
        ReferenceFigures f;
        if (r.status() == CellStatus.OK) {
            progress.printf("  %s beside it: measuring %s ...%n", framework.label(), k.id());
            progress.flush();
            f = runner.measure(k);
        } else {
            f = ReferenceFigures.notAvailable("our cell is " + r.status().label() + ": no figures of ours to compare");
        }
        ReferenceStore.save(runDir, framework, k, f);
        progress.printf("  %s beside %s: %s%s%n", framework.label(), k.id(), f.status(), f.ok() ? figures(r, f) : " (" + f.message() + ")");
        progress.flush();
    }

    /** The reference of every stored cell of {@code cells} that lacks one (cells measured before the reference was configured). */
    public void fill(List<CellKey> cells) {
        for (CellKey k : cells) {
            if (CellStore.isDone(runDir, k) && !ReferenceStore.isDone(runDir, framework, k, runner.threads(), keepErrors)) {
                after(CellStore.read(CellStore.cellFile(runDir, k)));
            }
        }
    }

    private static String figures(CellResult r, ReferenceFigures f) {
        Double peak = ReferenceFigures.ratio(r.peakBytes(), f.peakBytes());
        Double step = ReferenceFigures.ratio(r.stepMsMedian(), f.stepMsMedian());
        String peakText = String.format(java.util.Locale.ROOT, ", peak %s (ours/PyTorch %s)", org.medfusion.platform.ByteSize.mib(f.peakBytes()),
                peak == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.3f", peak));
        return f.stepMsMedian() == null ? peakText + ", step time not measured" : peakText + String.format(java.util.Locale.ROOT,
                ", step %.1f ms (ours/PyTorch %s)", f.stepMsMedian(), step == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.3f", step));
    }
}
