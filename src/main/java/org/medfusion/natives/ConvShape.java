package org.medfusion.natives;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One convolution shape class: what oneDNN chooses its kernel by (channels, kernel, stride, padding, dilation, groups
 * and the input map size), without the batch. Two convolutions of the same class run the same primitive, so the
 * preflight probes each class once ({@link NativePreflight}); the batch of the probe is small ({@link ProbeMain}).
 *
 * <p>Its text form ({@link #key()}), e.g. {@code conv 512->1024 k1x1 s2x2 p0x0 d1x1 g1 @8x8}, is what the probe child
 * reads and prints, and what the coverage test compares.
 */
public record ConvShape(int in, int out, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
        int dilationH, int dilationW, int groups, long height, long width) implements Comparable<ConvShape> {

    private static final Pattern KEY = Pattern.compile(
            "conv (\\d+)->(\\d+) k(\\d+)x(\\d+) s(\\d+)x(\\d+) p(\\d+)x(\\d+) d(\\d+)x(\\d+) g(\\d+) @(\\d+)x(\\d+)");

    public ConvShape {
        if (in <= 0 || out <= 0 || kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0 || padH < 0 || padW < 0
                || dilationH <= 0 || dilationW <= 0 || groups <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("not a convolution shape: " + in + "->" + out + " k" + kernelH + "x" + kernelW
                    + " s" + strideH + "x" + strideW + " @" + height + "x" + width);
        }
    }

    /** The stable text form (see the class comment). */
    public String key() {
        return String.format(Locale.ROOT, "conv %d->%d k%dx%d s%dx%d p%dx%d d%dx%d g%d @%dx%d", in, out, kernelH, kernelW,
                strideH, strideW, padH, padW, dilationH, dilationW, groups, height, width);
    }

    /** Parses {@link #key()}. */
    public static ConvShape parse(String key) {
        Matcher m = KEY.matcher(key.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a convolution shape key: '" + key + "'");
        }
        int[] v = new int[11];
        for (int i = 0; i < v.length; i++) {
            v[i] = Integer.parseInt(m.group(i + 1));
        }
        return new ConvShape(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
                Long.parseLong(m.group(12)), Long.parseLong(m.group(13)));
    }

    /**
     * A 1x1 convolution with a stride above 1 and no padding: the class whose oneDNN backward-data primitive
     * ({@code brgemm_convolution_bwd_strided_t}) divides by a cache size some CPUs do not report, and the class the
     * {@link Fallback#STRIDED_1X1_SUBSAMPLE} fallback computes as a stride-1 convolution of the subsampled input.
     */
    public boolean isStrided1x1() {
        return kernelH == 1 && kernelW == 1 && (strideH > 1 || strideW > 1) && padH == 0 && padW == 0
                && dilationH == 1 && dilationW == 1;
    }

    /** The class this one runs as under {@link Fallback#STRIDED_1X1_SUBSAMPLE}: stride 1 on the subsampled map. */
    public ConvShape subsampled() {
        if (!isStrided1x1()) {
            return this;
        }
        return new ConvShape(in, out, 1, 1, 1, 1, 0, 0, 1, 1, groups, (height + strideH - 1) / strideH,
                (width + strideW - 1) / strideW);
    }

    @Override
    public int compareTo(ConvShape o) {
        return key().compareTo(o.key());
    }

    @Override
    public String toString() {
        return key();
    }
}
