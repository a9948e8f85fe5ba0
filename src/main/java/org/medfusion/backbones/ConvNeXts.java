package org.medfusion.backbones;

import java.util.List;

/** The ConvNeXt family (torchvision definitions). Not yet implemented: registers no variants. */
public final class ConvNeXts {

    private ConvNeXts() {
    }

    public static List<ModelSpec> specs() {
        return List.of();
    }
}
