package dev.beit3.expert.vision.image;

import dev.beit3.api.Api;

import dev.beit3.api.RgbImage;

import dev.beit3.api.InvalidInputException;

/**
 * Pillow's bicubic resampling ({@code Image.resize(size, BICUBIC)} on 8-bit RGB, Pillow 9.x {@code Resample.c}),
 * reproduced bit for bit: separable, horizontal pass first into an 8-bit intermediate, then vertical; cubic kernel
 * with a = −0.5 widened by the downscale factor; weights normalised to sum 1 and turned into 22-bit fixed point.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class PillowResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double BICUBIC_SUPPORT = 2.0;

    private PillowResize() {}

    /**
     * Resizes with Pillow's bicubic filter.
     *
     * @param in the image
     * @param outWidth output width, positive
     * @param outHeight output height, positive
     * @return the resized image (a copy of {@code in} when the size does not change)
     * @throws InvalidInputException if an output size is not positive
     */
    public static RgbImage bicubic(RgbImage in, int outWidth, int outHeight) {
        if (outWidth <= 0 || outHeight <= 0) {
            throw new InvalidInputException("cannot resize " + in.width() + "x" + in.height() + " to " + outWidth
                    + "x" + outHeight + ": the output size must be positive");
        }
        byte[] src = in.pixels();
        int w = in.width();
        int h = in.height();
        Coeffs horiz = Coeffs.of(w, outWidth);
        Coeffs vert = Coeffs.of(h, outHeight);
        boolean needHorizontal = outWidth != w;
        boolean needVertical = outHeight != h;
        int rows = h;
        if (needHorizontal) {
            // only the source rows the vertical pass will read
            int first = vert.bounds[0];
            int last = vert.bounds[2 * outHeight - 2] + vert.bounds[2 * outHeight - 1];
            if (needVertical) {
                for (int i = 0; i < outHeight; i++) {
                    vert.bounds[2 * i] -= first;
                }
            } else {
                first = 0;
                last = h;
            }
            rows = last - first;
            src = horizontal(src, w, first, rows, outWidth, horiz);
            w = outWidth;
        }
        if (needVertical) {
            src = vertical(src, w, outHeight, vert);
            rows = outHeight;
        }
        return new RgbImage(w, rows, src);
    }

    private static byte[] horizontal(byte[] src, int inW, int rowOffset, int rows, int outW, Coeffs c) {
        byte[] out = new byte[rows * outW * 3];
        int[] k = c.kk;
        int ks = c.ksize;
        for (int yy = 0; yy < rows; yy++) {
            int rowBase = (yy + rowOffset) * inW * 3;
            for (int xx = 0; xx < outW; xx++) {
                int xmin = c.bounds[2 * xx];
                int xmax = c.bounds[2 * xx + 1];
                int kb = xx * ks;
                int ss0 = 1 << (PRECISION_BITS - 1);
                int ss1 = ss0;
                int ss2 = ss0;
                for (int x = 0; x < xmax; x++) {
                    int p = rowBase + (x + xmin) * 3;
                    int wgt = k[kb + x];
                    ss0 += (src[p] & 0xff) * wgt;
                    ss1 += (src[p + 1] & 0xff) * wgt;
                    ss2 += (src[p + 2] & 0xff) * wgt;
                }
                int o = (yy * outW + xx) * 3;
                out[o] = clip8(ss0);
                out[o + 1] = clip8(ss1);
                out[o + 2] = clip8(ss2);
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] src, int w, int outH, Coeffs c) {
        byte[] out = new byte[outH * w * 3];
        int[] k = c.kk;
        int ks = c.ksize;
        int stride = w * 3;
        for (int yy = 0; yy < outH; yy++) {
            int ymin = c.bounds[2 * yy];
            int ymax = c.bounds[2 * yy + 1];
            int kb = yy * ks;
            for (int xx = 0; xx < w; xx++) {
                int ss0 = 1 << (PRECISION_BITS - 1);
                int ss1 = ss0;
                int ss2 = ss0;
                for (int y = 0; y < ymax; y++) {
                    int p = (y + ymin) * stride + xx * 3;
                    int wgt = k[kb + y];
                    ss0 += (src[p] & 0xff) * wgt;
                    ss1 += (src[p + 1] & 0xff) * wgt;
                    ss2 += (src[p + 2] & 0xff) * wgt;
                }
                int o = yy * stride + xx * 3;
                out[o] = clip8(ss0);
                out[o + 1] = clip8(ss1);
                out[o + 2] = clip8(ss2);
            }
        }
        return out;
    }

    private static byte clip8(int in) {
        if (in >= (1 << PRECISION_BITS << 8)) {
            return (byte) 255;
        }
        if (in <= 0) {
            return 0;
        }
        return (byte) (in >> PRECISION_BITS);
    }

    /** Pillow's bicubic kernel (a = −0.5), evaluated in the same order as {@code bicubic_filter}. */
    static double bicubicFilter(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** Per-output-pixel source windows and fixed-point weights of one axis ({@code precompute_coeffs}). */
    static final class Coeffs {
        final int ksize;
        final int[] bounds;
        final int[] kk;

        private Coeffs(int ksize, int[] bounds, int[] kk) {
            this.ksize = ksize;
            this.bounds = bounds;
            this.kk = kk;
        }

        static Coeffs of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterscale = Math.max(scale, 1.0);
            double support = BICUBIC_SUPPORT * filterscale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[outSize * 2];
            int[] kk = new int[outSize * ksize];
            double[] k = new double[ksize];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ww = 0.0;
                double ss = 1.0 / filterscale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                for (int x = 0; x < xmax; x++) {
                    double w = bicubicFilter((x + xmin - center + 0.5) * ss);
                    k[x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    double v = ww != 0.0 ? k[x] / ww : k[x];
                    kk[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                            : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                bounds[2 * xx] = xmin;
                bounds[2 * xx + 1] = xmax;
            }
            return new Coeffs(ksize, bounds, kk);
        }
    }
}
