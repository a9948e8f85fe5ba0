package org.medfusion.backbones;

import java.util.List;

/** The Swin family (torchvision definitions). Not yet implemented: registers no variants. */
public final class SwinTransformers {

    private SwinTransformers() {
    }

    public static List<ModelSpec> specs() {
        return List.of();
    }
}
