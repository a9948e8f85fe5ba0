package org.medfusion.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.bench.MeasureSettings;
import org.medfusion.checkpoint.SegmentPlan;
import org.medfusion.planner.OptimalSplit;
import org.medfusion.planner.ProfileKey;
import org.medfusion.results.CellKey;
import org.medfusion.results.ReferenceFigures;

/**
 * Measures cells in the machine's PyTorch with the settings of our own measurement ({@code measure --reference torch},
 * {@code run} with {@code reference: [torch]}): the interpreter is looked for once, at the first cell (so a run without
 * PyTorch pays the look-up once and stores "not available" with what was tried), and each cell gets our block count and
 * segment plan from a backbone built here as a fork builds it.
 */
public final class ReferenceRunner {

    private final String explicitPython;
    private final MeasureSettings settings;
    private final int threads;
    private Optional<TorchPython> python;
    private String notFound;

    /**
     * @param explicitPython {@code --python}, or null for the first interpreter that imports torch and torchvision
     * @param settings our warm-up and iteration counts, used for PyTorch's memory and timing processes too
     */
    public ReferenceRunner(String explicitPython, MeasureSettings settings) {
        this.explicitPython = explicitPython;
        this.settings = settings;
        this.threads = threadsOf(settings);
    }

    /** Our intra-op thread count: the settings', else libtorch's default (one per core). */
    public static int threadsOf(MeasureSettings settings) {
        return settings.threads() != null ? settings.threads() : Runtime.getRuntime().availableProcessors();
    }

    /** The thread count PyTorch runs with (stored with its figures; resume re-measures on a change). */
    public int threads() {
        return threads;
    }

    /** PyTorch's figures of {@code key}; "not available" or "error" with the reason, never an exception. */
    public ReferenceFigures measure(CellKey key) {
        if (python == null) {
            List<String> tried = new ArrayList<>();
            python = TorchPython.find(explicitPython, tried);
            notFound = "no python3 with torch and torchvision (tried " + String.join("; ", tried) + ")";
        }
        int blocks;
        SegmentPlan plan = null;
        try (Backbone b = BackboneRegistry.create(key.model(), BackboneOptions.defaults().withImageSize(key.res()))) {
            blocks = b.blockCount();
            if (key.segments() > 0) {
                plan = OptimalSplit.policy(key.split(), new ProfileKey(key.model(), key.batch() / key.accumulation(), key.res(),
                        key.precision(), key.device()), key.segments()).plan(blocks, key.segments());
            }
        } catch (RuntimeException e) {
            return ReferenceFigures.notAvailable("our block list or segment plan could not be built: " + org.medfusion.platform.Json.oneLine(e));
        }
        return TorchReference.measure(python, notFound, key, plan, blocks, threads, settings);
    }
}
