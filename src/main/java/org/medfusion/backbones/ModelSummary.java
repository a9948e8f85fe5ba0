package org.medfusion.backbones;

import ai.djl.ndarray.NDManager;

/**
 * What {@code list-models} shows of a model, from its block tree alone: parameters are declared (their shapes) but
 * not filled, so listing all 33 models allocates nothing of their size. The parameter count is torchvision's
 * {@code sum(p.numel() for p in parameters())} at 1000 classes ({@code ParameterCountTest} checks it against a
 * built model).
 */
public record ModelSummary(String model, String family, long parameters, int blocks, int defaultSegments) {

    public static ModelSummary of(String model) {
        ModelSpec spec = BackboneRegistry.spec(model);
        BackboneOptions options = BackboneOptions.defaults();
        ModelParts parts = spec.factory().apply(options);
        try (NDManager m = NDManager.newBaseManager()) {
            Backbone.initializeBlocks(parts.blocks(), m, options, true);
            long n = Backbone.trainableParameters(parts.blocks()).stream().mapToLong(p -> p.getShape().size()).sum();
            return new ModelSummary(model, spec.family(), n, parts.blocks().size(), parts.defaultSegments());
        }
    }
}
