package org.medfusion.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.medfusion.backbones.layers.Layers;
import org.medfusion.backbones.layers.LeanActivations;
import org.medfusion.platform.NativeHeap;
import org.medfusion.checkpoint.GradMode;

/**
 * {@link LeanActivations}: same values (bit for bit) and gradients as the plain compositions, and autograd keeps
 * one input-sized tensor per activation, as PyTorch's fused SiLU / hard-swish do (the compositions keep two and
 * three).
 */
class LeanActivationsTest {

    /** 16 MiB per float32 tensor: large against the few hundred kB libtorch allocates besides. */
    private static final int ELEMENTS = 1 << 22;

    enum Fn {
        SILU(LeanActivations::silu, x -> x.mul(Activation.sigmoid(x)), 2),
        HARDSWISH(LeanActivations::hardSwish,
                x -> x.mul(x.add(Layers.scalar(x, 3f)).clip(0f, 6f).div(Layers.scalar(x, 6f))), 3);

        final UnaryOperator<NDArray> lean;
        final UnaryOperator<NDArray> composition;
        final int compositionKeeps;

        Fn(UnaryOperator<NDArray> lean, UnaryOperator<NDArray> composition, int compositionKeeps) {
            this.lean = lean;
            this.composition = composition;
            this.compositionKeeps = compositionKeeps;
        }
    }

    /** Values in [-6, 6] plus hard-swish's kinks and zero. */
    private static NDArray input(NDManager m) {
        NDArray random = m.randomUniform(-6f, 6f, new Shape(4, 8, 9, 9));
        NDArray kinks = m.create(new float[] {-3f, 3f, 0f, -0f, -6f, 6f});
        return random.flatten().concat(kinks);
    }

    @ParameterizedTest
    @EnumSource(Fn.class)
    void valuesAndGradientsEqualTheComposition(Fn fn) {
        try (NDManager m = NDManager.newBaseManager(); GradMode g = GradMode.enabled()) {
            NDArray values = input(m);
            NDArray weights = m.randomNormal(values.getShape());
            NDArray[] result = new NDArray[2];
            NDArray[] grad = new NDArray[2];
            for (int i = 0; i < 2; i++) {
                NDArray leaf = values.duplicate();
                leaf.setRequiresGradient(true);
                NDArray x = leaf.mul(Layers.scalar(leaf, 1f)); // a non-leaf, as a BatchNorm output
                result[i] = (i == 0 ? fn.lean : fn.composition).apply(x);
                NDArray loss = result[i].mul(weights).sum();
                JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
                grad[i] = leaf.getGradient();
            }
            assertArrayEquals(result[1].toFloatArray(), result[0].toFloatArray(), 0f, fn + " values");
            float[] lean = grad[0].toFloatArray();
            float[] reference = grad[1].toFloatArray();
            for (int k = 0; k < lean.length; k++) {
                float tolerance = 1e-6f * Math.max(1f, Math.abs(reference[k]));
                assertTrue(Math.abs(lean[k] - reference[k]) <= tolerance,
                        fn + " gradient at x=" + values.toFloatArray()[k] + ": " + lean[k] + " vs " + reference[k]);
            }
        }
    }

    /**
     * Just above 3, {@code x + 3} rounds to 6 in float32, so the composition's clamp still passes a gradient there
     * (1.5); PyTorch's {@code hardswish_backward} compares x itself with 3 and gives 1, and so does the lean one.
     */
    @org.junit.jupiter.api.Test
    void hardSwishGradientFollowsPyTorchsFormulaAtTheKinks() {
        float[] xs = {-3.0000002f, -3f, -2.9999998f, 3f, 3.0000002f, 7f, -7f};
        float[] expected = {0f, -0.5f, -2.9999998f / 3f + 0.5f, 1.5f, 1f, 1f, 0f};
        try (NDManager m = NDManager.newBaseManager(); GradMode g = GradMode.enabled()) {
            NDArray leaf = m.create(xs);
            leaf.setRequiresGradient(true);
            NDArray loss = LeanActivations.hardSwish(leaf.mul(Layers.scalar(leaf, 1f))).sum();
            JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
            assertArrayEquals(expected, leaf.getGradient().toFloatArray(), 1e-7f);
        }
    }

    @ParameterizedTest
    @EnumSource(Fn.class)
    void withoutGradRecordingNothingIsRecorded(Fn fn) {
        try (NDManager m = NDManager.newBaseManager(); GradMode g = GradMode.disabled()) {
            NDArray x = input(m);
            NDArray y = fn.lean.apply(x);
            assertFalse(y.hasGradient());
            assertArrayEquals(fn.composition.apply(x).toFloatArray(), y.toFloatArray(), 0f);
        }
    }

    /**
     * Native bytes still held once the activation's input is dropped: the output plus what autograd keeps. Lean:
     * output + derivative (2 tensors); composition: output + 2 (SiLU) or 3 (hard-swish).
     */
    @ParameterizedTest
    @EnumSource(Fn.class)
    void autogradKeepsOneTensor(Fn fn) {
        assumeTrue(NativeHeap.isAvailable(), "needs glibc mallinfo2");
        long tensorBytes = 4L * ELEMENTS;
        heldAfterForward(fn.lean); // warm-up: one-off allocations of the ops and their thread pool
        heldAfterForward(fn.composition);
        long lean = heldAfterForward(fn.lean);
        long composition = heldAfterForward(fn.composition);
        assertTrue(lean < 2.5 * tensorBytes, fn + " lean keeps " + lean + " bytes, expected 2 x " + tensorBytes);
        assertTrue(composition > (fn.compositionKeeps + 0.5) * tensorBytes,
                fn + " composition keeps " + composition + " bytes: the check no longer tells the two apart");
    }

    private static long heldAfterForward(UnaryOperator<NDArray> act) {
        try (NDManager m = NDManager.newBaseManager(); GradMode g = GradMode.enabled()) {
            NDArray leaf = m.randomNormal(new Shape(ELEMENTS));
            leaf.setRequiresGradient(true);
            NDArray x = leaf.mul(Layers.scalar(leaf, 2f));
            long before;
            long after;
            try (NDManager block = m.newSubManager()) {
                x.attach(block);
                before = NativeHeap.inUseBytes();
                NDArray y = act.apply(x);
                y.attach(m);
                // block closes: x and every temporary go, what autograd keeps stays
            }
            after = NativeHeap.inUseBytes();
            return after - before + 4L * ELEMENTS; // x's own bytes, freed unless autograd keeps them
        }
    }
}
