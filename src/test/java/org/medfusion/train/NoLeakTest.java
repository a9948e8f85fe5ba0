package org.medfusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.platform.NativeHeap;

/**
 * 50 consecutive training steps leave nothing behind: the live arrays under the model's manager
 * stay the same after warm-up, and the bytes malloc holds (libtorch tensors included) do not
 * grow step over step. The JVM and glibc make one-off jumps of several MB (JIT, arenas), so the
 * memory check uses the median of the last ten per-step changes, which a per-step leak of even
 * one small tensor moves and a one-off jump does not.
 */
class NoLeakTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 4})
    void fiftyStepsDoNotLeak(int segments) {
        try (Backbone model = BackboneRegistry.create("resnet18", BackboneOptions.defaults().withNumClasses(10).withImageSize(32))) {
            if (segments > 0) {
                model.enableGradientCheckpointing(segments);
            }
            try (NDManager data = model.manager().newSubManager()) {
                SyntheticBatch xyBatch = SyntheticBatch.create(data, 2, 32, 10, 3);
        NDArray[] xy = {xyBatch.images(), xyBatch.labels()};
                TrainingStep step = new TrainingStep(model, model.manager());
                int arraysAfterWarmup = 0;
                long[] nativeBytes = new long[11];
                for (int i = 1; i <= 50; i++) {
                    step.step(xy[0], xy[1]);
                    if (i == 10) {
                        arraysAfterWarmup = model.manager().getManagedArrays().size();
                    }
                    if (i >= 40) {
                        System.gc(); // frees direct buffers, which only GC returns
                        nativeBytes[i - 40] = NativeHeap.inUseBytes();
                    }
                }
                assertEquals(arraysAfterWarmup, model.manager().getManagedArrays().size(), "live arrays grew over 40 steps");
                long[] perStep = new long[10];
                for (int i = 0; i < 10; i++) {
                    perStep[i] = nativeBytes[i + 1] - nativeBytes[i];
                }
                Arrays.sort(perStep);
                long median = (perStep[4] + perStep[5]) / 2;
                assertTrue(median < 4096, "native memory grows by " + median + " bytes per step (median of the last 10 steps: "
                        + Arrays.toString(perStep) + ")");
            }
        }
    }
}
