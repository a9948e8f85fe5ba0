package org.medfusion.backbones;

import java.util.List;

/** The EfficientNet family (torchvision definitions). Not yet implemented: registers no variants. */
public final class EfficientNets {

    private EfficientNets() {
    }

    public static List<ModelSpec> specs() {
        return List.of();
    }
}
