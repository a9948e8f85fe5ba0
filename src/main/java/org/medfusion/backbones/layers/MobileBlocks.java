package org.medfusion.backbones.layers;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import org.medfusion.backbones.layers.Layers.Act;

/**
 * The inverted-residual blocks of the MobileNet / EfficientNet families with torchvision's
 * semantics: MobileNetV2's {@code InvertedResidual}, MobileNetV3's {@code InvertedResidual},
 * EfficientNet's {@code MBConv} and EfficientNetV2's {@code FusedMBConv}, plus torchvision's
 * {@code _make_divisible} channel rounding. A block with a residual connection (stride 1 and equal
 * in/out channels) is a {@link Residual} (stochastic depth on its branch where torchvision has
 * it); any other block is the plain branch.
 */
public final class MobileBlocks {

    private MobileBlocks() {
    }

    /**
     * BatchNorm settings of a model (torchvision's {@code norm_layer}).
     *
     * @param eps epsilon
     * @param torchMomentum PyTorch momentum (weight of the new batch statistics)
     */
    public record Norm(float eps, float torchMomentum) {
        /** {@code nn.BatchNorm2d} defaults: eps 1e-5, momentum 0.1. */
        public static final Norm DEFAULT = new Norm(1e-5f, 0.1f);

        public BatchNorm create() {
            return Layers.batchNorm(eps, torchMomentum);
        }
    }

    /**
     * torchvision's {@code _make_divisible(v, divisor, min_value)}: round to the nearest multiple
     * of {@code divisor}, at least {@code minValue} (divisor when 0), never more than 10% below v.
     */
    public static int makeDivisible(double v, int divisor, int minValue) {
        int min = minValue > 0 ? minValue : divisor;
        int rounded = Math.max(min, (int) (v + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * v) {
            rounded += divisor;
        }
        return rounded;
    }

    /** {@code makeDivisible(v, divisor, divisor)}. */
    public static int makeDivisible(double v, int divisor) {
        return makeDivisible(v, divisor, 0);
    }

    /**
     * Conv2dNormActivation: bias-free convolution with "same" padding, BatchNorm with the given
     * settings, activation from {@link Layers.Act} (none for {@code Act.NONE}).
     */
    public static SequentialBlock convBnAct(int out, int kernel, int stride, int groups, Act act, Norm norm) {
        SequentialBlock b = new SequentialBlock().add(Layers.conv(out, kernel, stride, groups, false)).add(norm.create());
        if (act != Act.NONE) {
            b.add(act.block());
        }
        return b;
    }

    /**
     * MobileNetV2's inverted residual: 1x1 expansion (when {@code expandRatio != 1}), depthwise
     * 3x3, linear 1x1 projection, ReLU6; residual when stride 1 and in == out.
     */
    public static Block invertedResidualV2(int in, int out, int stride, int expandRatio, Norm norm) {
        int hidden = in * expandRatio;
        SequentialBlock main = new SequentialBlock();
        if (expandRatio != 1) {
            main.add(convBnAct(hidden, 1, 1, 1, Act.RELU6, norm));
        }
        main.add(convBnAct(hidden, 3, stride, hidden, Act.RELU6, norm));
        main.add(convBnAct(out, 1, 1, 1, Act.NONE, norm));
        return wrap(main, stride == 1 && in == out, 0f);
    }

    /**
     * MobileNetV3's inverted residual: 1x1 expansion (when expanded != in), depthwise k x k,
     * optional squeeze-excitation (squeeze {@code makeDivisible(expanded / 4, 8)}, ReLU,
     * hard-sigmoid), linear 1x1 projection; {@code act} is ReLU or hard-swish.
     */
    public static Block invertedResidualV3(int in, int kernel, int expanded, int out, boolean se, Act act,
            int stride, Norm norm) {
        SequentialBlock main = new SequentialBlock();
        if (expanded != in) {
            main.add(convBnAct(expanded, 1, 1, 1, act, norm));
        }
        main.add(convBnAct(expanded, kernel, stride, expanded, act, norm));
        if (se) {
            main.add(new SqueezeExcitation(expanded, makeDivisible(expanded / 4, 8), Act.RELU, Act.HARDSIGMOID));
        }
        main.add(convBnAct(out, 1, 1, 1, Act.NONE, norm));
        return wrap(main, stride == 1 && in == out, 0f);
    }

    /**
     * EfficientNet's MBConv: 1x1 expansion to {@code makeDivisible(in * expandRatio, 8)} (when it
     * differs from in), depthwise k x k, squeeze-excitation (squeeze {@code max(1, in / 4)}, SiLU,
     * sigmoid), linear 1x1 projection; SiLU; stochastic depth on the residual branch.
     */
    public static Block mbConv(int in, int out, double expandRatio, int kernel, int stride, float sdProb, Norm norm) {
        int expanded = makeDivisible(in * expandRatio, 8);
        SequentialBlock main = new SequentialBlock();
        if (expanded != in) {
            main.add(convBnAct(expanded, 1, 1, 1, Act.SILU, norm));
        }
        main.add(convBnAct(expanded, kernel, stride, expanded, Act.SILU, norm));
        main.add(new SqueezeExcitation(expanded, Math.max(1, in / 4), Act.SILU, Act.SIGMOID));
        main.add(convBnAct(out, 1, 1, 1, Act.NONE, norm));
        return wrap(main, stride == 1 && in == out, sdProb);
    }

    /**
     * EfficientNetV2's FusedMBConv: a k x k expansion convolution (with the stride) and a linear
     * 1x1 projection, or, when the expansion keeps the width, a single k x k convolution with
     * SiLU; stochastic depth on the residual branch.
     */
    public static Block fusedMbConv(int in, int out, double expandRatio, int kernel, int stride, float sdProb,
            Norm norm) {
        int expanded = makeDivisible(in * expandRatio, 8);
        SequentialBlock main = new SequentialBlock();
        if (expanded != in) {
            main.add(convBnAct(expanded, kernel, stride, 1, Act.SILU, norm));
            main.add(convBnAct(out, 1, 1, 1, Act.NONE, norm));
        } else {
            main.add(convBnAct(out, kernel, stride, 1, Act.SILU, norm));
        }
        return wrap(main, stride == 1 && in == out, sdProb);
    }

    private static Block wrap(Block main, boolean residual, float sdProb) {
        return residual ? new Residual(main, null, Act.NONE, sdProb) : main;
    }
}
