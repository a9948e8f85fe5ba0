package org.medfusion.backbones;

import java.util.List;

/** The ViT family (torchvision definitions). Not yet implemented: registers no variants. */
public final class VisionTransformers {

    private VisionTransformers() {
    }

    public static List<ModelSpec> specs() {
        return List.of();
    }
}
