package org.medfusion.natives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Fallback#STRIDED_1X1_SUBSAMPLE} is exact: a strided 1x1 convolution computed as a stride-1 convolution of the
 * subsampled input gives the same output and the same input and weight gradients as the strided convolution itself
 * (compared on a class that does not crash: 256 input channels).
 */
class SubsampleFallbackTest {

    private static final ConvShape SHORTCUT = ConvShape.parse("conv 256->512 k1x1 s2x2 p0x0 d1x1 g1 @8x8");

    @TempDir
    Path dir;

    @Test
    void stridedOneByOneAsSubsampledStrideOneIsExact() {
        // the direct path of this class must itself be safe here (it is on the CPUs known to crash on 512+ channels)
        NativeVerdict directPath = new NativePreflight(dir, Duration.ofSeconds(180))
                .verdict(Natives.loadEngine(), Set.of(SHORTCUT), Set.of(), Fallback.NONE, true).verdict();
        assumeTrue(directPath.probe() == NativeVerdict.Probe.PASS, "the direct path crashes here: " + directPath.detail());
        boolean before = ConvCall.subsamplingStrided1x1();
        try {
            ConvCall.subsampleStrided1x1(false);
            float[][] direct = outputAndGradients();
            ConvCall.subsampleStrided1x1(true);
            float[][] subsampled = outputAndGradients();
            String[] what = {"output", "input gradient", "weight gradient"};
            for (int k = 0; k < 3; k++) {
                assertTrue(direct[k].length > 0);
                assertArrayEquals(direct[k], subsampled[k], 1e-6f * max(direct[k]), what[k]);
            }
        } finally {
            ConvCall.subsampleStrided1x1(before);
        }
    }

    private static float max(float[] v) {
        float m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static float[][] outputAndGradients() {
        try (NDManager m = NDManager.newBaseManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            m.getEngine().setRandomSeed(11);
            NDArray x = m.randomNormal(new Shape(2, 256, 8, 8));
            NDArray w = m.randomNormal(new Shape(512, 256, 1, 1)).mul(0.05f);
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            NDArray y = ConvCall.conv2d(x, w, null, new Shape(2, 2), new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
            gc.backward(y.square().mean());
            return new float[][] {y.toFloatArray(), x.getGradient().toFloatArray(), w.getGradient().toFloatArray()};
        }
    }
}
