package org.medfusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.platform.NativeHeap;

/**
 * Consecutive training steps leave nothing behind: the live arrays under the model's manager
 * stay the same after warm-up, and the bytes malloc holds (libtorch tensors included) do not
 * grow step over step. The JVM and glibc make one-off jumps of several MB in either direction
 * (JIT compiler arenas, malloc trimming), and on a loaded 2-core machine several of them can
 * land in a row, so the memory check takes the median of 40 per-step changes: a per-step leak
 * of even one small tensor moves every change, a burst of one-off jumps moves a few.
 */
class NoLeakTest {

    private static final int WARMUP_STEPS = 40;
    private static final int MEASURED_STEPS = 40;

    @ParameterizedTest
    @ValueSource(ints = {0, 4})
    void trainingStepsDoNotLeak(int segments) {
        try (Backbone model = BackboneRegistry.create("resnet18", BackboneOptions.defaults().withNumClasses(10).withImageSize(32))) {
            if (segments > 0) {
                model.enableGradientCheckpointing(segments);
            }
            try (NDManager data = model.manager().newSubManager()) {
                SyntheticBatch batch = SyntheticBatch.create(data, 2, 32, 10, 3);
                TrainingStep step = new TrainingStep(model, model.manager());
                int arraysAfterWarmup = 0;
                long[] nativeBytes = new long[MEASURED_STEPS + 1];
                for (int i = 1; i <= WARMUP_STEPS + MEASURED_STEPS; i++) {
                    step.step(batch.images(), batch.labels());
                    if (i == 10) {
                        arraysAfterWarmup = model.manager().getManagedArrays().size();
                    }
                    if (i >= WARMUP_STEPS) {
                        System.gc(); // frees direct buffers, which only GC returns
                        nativeBytes[i - WARMUP_STEPS] = NativeHeap.inUseBytes();
                    }
                }
                assertEquals(arraysAfterWarmup, model.manager().getManagedArrays().size(), "live arrays grew after warm-up");
                long[] perStep = new long[MEASURED_STEPS];
                for (int i = 0; i < MEASURED_STEPS; i++) {
                    perStep[i] = nativeBytes[i + 1] - nativeBytes[i];
                }
                Arrays.sort(perStep);
                long median = (perStep[MEASURED_STEPS / 2 - 1] + perStep[MEASURED_STEPS / 2]) / 2;
                assertTrue(median < 4096, "native memory grows by " + median + " bytes per step (median of the last " + MEASURED_STEPS + " steps: "
                        + Arrays.toString(perStep) + ")");
            }
        }
    }
}
