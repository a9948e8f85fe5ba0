package org.medfusion.backbones;

import ai.djl.ndarray.NDManager;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import org.medfusion.backbones.layers.GuardedConv2d;
import org.medfusion.natives.ConvShape;

/**
 * The convolution shape classes a model runs at an image size, taken from the model itself: its blocks are built and
 * initialised (with zeros) in a throwaway manager (initialisation visits every convolution with its input shape; no convolution
 * runs), the way {@link Backbone} initialises them. What the native preflight probes before a run, so that the probe
 * covers what will run by construction; {@code ConvCoverageTest} proves it against the convolutions each registered
 * model executes.
 */
public final class ConvShapes {

    /** A model at an image size: the unit a run's cells share convolutions by. */
    public record ModelAtSize(String model, int imageSize) {
    }

    private ConvShapes() {
    }

    /** Every convolution shape class of {@code model} at {@code imageSize} (forward and backward run the same classes). */
    public static Set<ConvShape> of(String model, int imageSize) {
        ModelSpec spec = BackboneRegistry.spec(model);
        BackboneOptions options = BackboneOptions.defaults().withImageSize(imageSize);
        spec.inputRule().validate(spec.name(), imageSize);
        Set<ConvShape> shapes = new TreeSet<>();
        try (NDManager m = NDManager.newBaseManager()) {
            ModelParts parts = spec.factory().apply(options);
            GuardedConv2d.collectDuring(() -> Backbone.initializeBlocks(parts.blocks(), m, options, true), shapes);
        }
        return shapes;
    }

    /** The union over several models and sizes (deduplicated: shared classes are probed once). */
    public static Set<ConvShape> of(Collection<ModelAtSize> models) {
        Set<ConvShape> shapes = new TreeSet<>();
        for (ModelAtSize m : new java.util.LinkedHashSet<>(models)) {
            shapes.addAll(of(m.model(), m.imageSize()));
        }
        return shapes;
    }
}
