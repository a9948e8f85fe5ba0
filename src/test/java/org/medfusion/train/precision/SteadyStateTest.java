package org.medfusion.train.precision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import org.medfusion.train.LossScaleCalibration;
import org.medfusion.train.OptimizerConfig;
import org.medfusion.train.SyntheticBatch;
import org.medfusion.train.TrainingStep;

/**
 * What mixed precision keeps between steps: the float32 master gradients survive a skipped step (zeroed in place, never
 * re-allocated), the half-precision copies are the same arrays from step to step and follow the masters after each
 * update, and the loss-scale calibration a benchmark runs before measuring ends on a clean step.
 */
class SteadyStateTest {

    private static Backbone resnet18() {
        return BackboneRegistry.create("resnet18", BackboneOptions.defaults().withImageSize(32).withNumClasses(10));
    }

    private static TrainingStep ampStep(Backbone b, NDManager m, LossScaler.Config scaler) {
        return new TrainingStep(b, OptimizerConfig.adamW(), 1, m, MixedPrecision.forDevice(Device.cpu(), scaler));
    }

    @Test
    void aSkippedStepZeroesTheMasterGradientBuffersInPlace() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter p = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT).build();
            p.setArray(m.zeros(new Shape(2, 3)));
            MasterGradients grads = new MasterGradients(m);
            NDArray poisoned = m.create(new float[] {Float.NaN, Float.POSITIVE_INFINITY, 1f, 2f, -3f, 4f}, new Shape(2, 3))
                    .toType(DataType.FLOAT16, false);
            grads.add(p, poisoned);
            NDArray buffer = grads.of(p);
            assertEquals(DataType.FLOAT32, buffer.getDataType(), "a half-precision gradient lands in a float32 buffer");
            assertFalse(grads.unscaleAndCheckFinite(List.of(p), 2f));
            grads.zero(List.of(p));
            assertSame(buffer, grads.of(p), "the buffer survives the skipped step");
            assertEquals(1, grads.bufferCount());
            assertArrayEquals(new float[6], buffer.toFloatArray(), "inf and NaN cleared, not multiplied by 0");
            grads.add(p, m.ones(new Shape(2, 3)).toType(DataType.FLOAT16, false));
            assertTrue(grads.unscaleAndCheckFinite(List.of(p), 2f));
            assertArrayEquals(new float[] {.5f, .5f, .5f, .5f, .5f, .5f}, grads.of(p).toFloatArray());
        }
    }

    @Test
    void halfCopiesPersistAcrossStepsAndFollowTheMastersAfterEachUpdate() {
        try (Backbone b = resnet18(); NDManager m = b.manager().newSubManager()) {
            SyntheticBatch batch = SyntheticBatch.create(m, 2, 32, 10, 4);
            // a skipped step first (scaled loss inf), then clean ones at scale 1
            TrainingStep step = ampStep(b, m, new LossScaler.Config(3e38f, 2f, 1e-38f, 2000));
            HalfPrecisionParameterStore store = (HalfPrecisionParameterStore) step.forwardParameterStore();
            step.step(batch.images(), batch.labels());
            assertTrue(step.lastStepSkipped());
            int copies = store.copyCount();
            assertTrue(copies > 0);
            List<Parameter> cast = new ArrayList<>();
            List<NDArray> halves = new ArrayList<>();
            for (Parameter p : b.trainableParameters()) {
                if (!HalfPrecisionParameterStore.staysFloat32(p)) {
                    cast.add(p);
                    halves.add(store.getValue(p, Device.cpu(), true));
                }
            }
            assertEquals(copies, cast.size());
            float[] before = cast.get(0).getArray().toFloatArray();
            step.step(batch.images(), batch.labels());
            assertFalse(step.lastStepSkipped(), "scale " + step.mixedPrecision().scaler().scale());
            step.step(batch.images(), batch.labels());
            assertFalse(step.lastStepSkipped());
            assertEquals(copies, store.copyCount(), "no copy made again");
            assertFalse(java.util.Arrays.equals(before, cast.get(0).getArray().toFloatArray()), "the masters were updated");
            assertEquals(4L * cast.stream().mapToLong(p -> p.getArray().size()).sum(), store.steadyStateBytes());
            for (int i = 0; i < cast.size(); i++) {
                NDArray half = store.getValue(cast.get(i), Device.cpu(), true);
                assertSame(halves.get(i), half, cast.get(i).getName() + ": the same array every step");
                assertEquals(DataType.FLOAT16, half.getDataType());
                try (NDArray expected = cast.get(i).getArray().toType(DataType.FLOAT16, true)) {
                    assertArrayEquals(expected.toType(DataType.FLOAT32, false).toFloatArray(),
                            half.toType(DataType.FLOAT32, false).toFloatArray(), cast.get(i).getName() + ": refreshed from its master");
                }
                try (NDArray g = half.getGradient()) {
                    assertEquals(0f, g.abs().max().getFloat(), "half-precision gradients zeroed after the step");
                }
            }
        }
    }

    @Test
    void calibrationRunsUntilACleanStepAfterTheLastBackoff() {
        try (Backbone b = resnet18(); NDManager m = b.manager().newSubManager()) {
            SyntheticBatch batch = SyntheticBatch.create(m, 2, 32, 10, 6);
            // 2^20 overflows float16 gradients; a backoff of 1/16 keeps the test short
            TrainingStep step = ampStep(b, m, new LossScaler.Config(1 << 20, 2f, 1f / 16, 2000));
            LossScaleCalibration c = LossScaleCalibration.run(step, batch.images(), batch.labels());
            System.out.printf("calibration: %d steps, %d skipped, scale %s%n", c.steps(), c.skipped(), c.scale());
            assertTrue(c.skipped() >= 1, "2^20 overflowed at least once");
            assertEquals(c.steps(), c.skipped() + 1, "stops at the first clean step");
            assertFalse(step.lastStepSkipped());
            assertEquals((float) (1 << 20) / (1L << (4 * c.skipped())), c.scale());
            assertEquals(c.scale(), step.mixedPrecision().scaler().scale());
        }
    }

    @Test
    void calibrationThatNeverReachesACleanStepFailsLoudly() {
        try (Backbone b = resnet18(); NDManager m = b.manager().newSubManager()) {
            SyntheticBatch batch = SyntheticBatch.create(m, 2, 32, 10, 7);
            TrainingStep step = ampStep(b, m, LossScaler.Config.defaults().withInitScale(3e38f));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LossScaleCalibration.run(step, batch.images(), batch.labels(), 1));
            assertTrue(e.getMessage().contains("all 1 calibration steps were skipped"), e.getMessage());
            TrainingStep fp32 = new TrainingStep(b, m);
            assertThrows(IllegalArgumentException.class, () -> LossScaleCalibration.run(fp32, batch.images(), batch.labels()));
        }
    }
}
