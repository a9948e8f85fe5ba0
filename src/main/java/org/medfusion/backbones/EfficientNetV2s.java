package org.medfusion.backbones;

import java.util.List;
import org.medfusion.backbones.EfficientNets.Stage;
import org.medfusion.backbones.EfficientNets.Variant;
import org.medfusion.backbones.layers.MobileBlocks.Norm;

/**
 * EfficientNetV2 S, M and L as torchvision defines them: FusedMBConv stages followed by MBConv
 * stages (no width/depth scaling), a 1280-wide last 1x1 convolution, BatchNorm eps 1e-3 /
 * momentum 0.1, SiLU, stochastic depth 0.2 scaled linearly by the block's index over all blocks,
 * head = pool, dropout (0.2 / 0.3 / 0.4), linear. Built by {@link EfficientNets}' shared builder.
 *
 * <p>Checkpointable blocks (mode 1, default 4 segments): the stem convolution, every
 * (Fused)MBConv block, the last 1x1 convolution, the head. S has 1 + 40 + 1 + 1 = 43, M 1 + 57 + 1
 * + 1 = 60, L 1 + 79 + 1 + 1 = 82.
 */
public final class EfficientNetV2s {

    private EfficientNetV2s() {
    }

    private static final Norm NORM = new Norm(1e-3f, 0.1f);
    private static final int LAST_CHANNEL = 1280;

    private static final List<Stage> S = List.of(
            Stage.fused(1, 3, 1, 24, 24, 2),
            Stage.fused(4, 3, 2, 24, 48, 4),
            Stage.fused(4, 3, 2, 48, 64, 4),
            Stage.mb(4, 3, 2, 64, 128, 6),
            Stage.mb(6, 3, 1, 128, 160, 9),
            Stage.mb(6, 3, 2, 160, 256, 15));

    private static final List<Stage> M = List.of(
            Stage.fused(1, 3, 1, 24, 24, 3),
            Stage.fused(4, 3, 2, 24, 48, 5),
            Stage.fused(4, 3, 2, 48, 80, 5),
            Stage.mb(4, 3, 2, 80, 160, 7),
            Stage.mb(6, 3, 1, 160, 176, 14),
            Stage.mb(6, 3, 2, 176, 304, 18),
            Stage.mb(6, 3, 1, 304, 512, 5));

    private static final List<Stage> L = List.of(
            Stage.fused(1, 3, 1, 32, 32, 4),
            Stage.fused(4, 3, 2, 32, 64, 7),
            Stage.fused(4, 3, 2, 64, 96, 7),
            Stage.mb(4, 3, 2, 96, 192, 10),
            Stage.mb(6, 3, 1, 192, 224, 19),
            Stage.mb(6, 3, 2, 224, 384, 25),
            Stage.mb(6, 3, 1, 384, 640, 7));

    private static final List<Variant> VARIANTS = List.of(
            new Variant("efficientnet_v2_s", S, 1.0, 1.0, 0.2f, LAST_CHANNEL, NORM),
            new Variant("efficientnet_v2_m", M, 1.0, 1.0, 0.3f, LAST_CHANNEL, NORM),
            new Variant("efficientnet_v2_l", L, 1.0, 1.0, 0.4f, LAST_CHANNEL, NORM));

    public static List<ModelSpec> specs() {
        return EfficientNets.specs(VARIANTS, "EfficientNetV2");
    }
}
