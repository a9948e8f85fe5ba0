package org.medfusion.backbones;

import java.util.List;

/** The MaxViT family (torchvision definitions). Not yet implemented: registers no variants. */
public final class MaxViTs {

    private MaxViTs() {
    }

    public static List<ModelSpec> specs() {
        return List.of();
    }
}
