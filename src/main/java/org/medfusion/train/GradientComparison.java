package org.medfusion.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradients of every trainable parameter copied to the Java heap, so that two passes over the same
 * weights (plain and checkpointed) can be compared element by element.
 */
public final class GradientComparison {

    private final List<String> names;
    private final List<float[]> grads;

    private GradientComparison(List<String> names, List<float[]> grads) {
        this.names = names;
        this.grads = grads;
    }

    public static GradientComparison capture(List<Parameter> params) {
        List<String> names = new ArrayList<>();
        List<float[]> grads = new ArrayList<>();
        for (Parameter p : params) {
            try (NDArray g = p.getArray().getGradient()) {
                names.add(p.getName() + "#" + p.getId());
                grads.add(g.toFloatArray());
            }
        }
        return new GradientComparison(names, grads);
    }

    /**
     * The largest, over parameters, of max|a - b| / max|a|: the relative error of the gradients
     * {@code other} against this reference (0 when bit-identical).
     */
    public double maxRelativeError(GradientComparison other) {
        double worst = 0;
        for (int i = 0; i < grads.size(); i++) {
            float[] a = grads.get(i);
            float[] b = other.grads.get(i);
            double diff = 0;
            double scale = 0;
            for (int j = 0; j < a.length; j++) {
                diff = Math.max(diff, Math.abs((double) a[j] - b[j]));
                scale = Math.max(scale, Math.abs(a[j]));
            }
            double rel = scale == 0 ? diff : diff / scale;
            worst = Math.max(worst, rel);
        }
        return worst;
    }

    /** Names of parameters whose gradient is entirely zero (they received no gradient). */
    public List<String> withoutGradient() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < grads.size(); i++) {
            boolean any = false;
            for (float v : grads.get(i)) {
                if (v != 0f) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                out.add(names.get(i));
            }
        }
        return out;
    }
}
