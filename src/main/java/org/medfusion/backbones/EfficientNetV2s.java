package org.medfusion.backbones;

import java.util.List;

/** The EfficientNetV2 family (torchvision definitions). Not yet implemented: registers no variants. */
public final class EfficientNetV2s {

    private EfficientNetV2s() {
    }

    public static List<ModelSpec> specs() {
        return List.of();
    }
}
