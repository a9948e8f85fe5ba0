package org.medfusion.backbones;

import java.util.List;

/** The MobileNet family (torchvision definitions). Not yet implemented: registers no variants. */
public final class MobileNets {

    private MobileNets() {
    }

    public static List<ModelSpec> specs() {
        return List.of();
    }
}
