package org.medfusion.backbones;

import java.util.function.Function;

/**
 * One registered model variant: its torchvision name, family, checkpoint mode, input rule and the
 * factory that builds its blocks. Variants are data: a family file returns a list of these.
 */
public record ModelSpec(String name, String family, CheckpointMode mode, InputRule inputRule,
        Function<BackboneOptions, ModelParts> factory) {
}
