package org.medfusion.backbones;

import java.util.List;

/** The RegNet family (torchvision definitions). Not yet implemented: registers no variants. */
public final class RegNets {

    private RegNets() {
    }

    public static List<ModelSpec> specs() {
        return List.of();
    }
}
