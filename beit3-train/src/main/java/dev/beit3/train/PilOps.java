package dev.beit3.train;

import dev.beit3.api.RgbImage;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The Pillow operations timm's RandAugment is made of, on 8-bit RGB, with Pillow's arithmetic (checked
 * byte for byte against Pillow 9.4 by {@code RandAugmentTest}): lookup-table ops ({@code ImageOps}),
 * enhancers ({@code ImageEnhance}: a blend with a degenerate image in float, truncated) and affine warps
 * with Pillow's bicubic transform filter and a fill colour.
 */
final class PilOps {
    private PilOps() {}

    // ------------------------------------------------------------------ lookup tables

    /** {@code ImageOps.autocontrast(img)} (no cutoff): per channel, stretch [lo, hi] to [0, 255]. */
    static RgbImage autocontrast(RgbImage img) {
        int[][] hist = histogram(img);
        int[][] lut = new int[3][256];
        for (int c = 0; c < 3; c++) {
            int lo = 0;
            while (lo < 256 && hist[c][lo] == 0) {
                lo++;
            }
            int hi = 255;
            while (hi >= 0 && hist[c][hi] == 0) {
                hi--;
            }
            if (hi <= lo) {
                for (int i = 0; i < 256; i++) {
                    lut[c][i] = i;
                }
            } else {
                double scale = 255.0 / (hi - lo);
                double offset = -lo * scale;
                for (int i = 0; i < 256; i++) {
                    int v = (int) (i * scale + offset);
                    lut[c][i] = Math.max(0, Math.min(255, v));
                }
            }
        }
        return apply(img, lut);
    }

    /** {@code ImageOps.equalize(img)}: per-channel histogram equalisation, Pillow's step rule. */
    static RgbImage equalize(RgbImage img) {
        int[][] hist = histogram(img);
        int[][] lut = new int[3][256];
        for (int c = 0; c < 3; c++) {
            int nonZero = 0;
            long total = 0;
            int last = 0;
            for (int i = 0; i < 256; i++) {
                if (hist[c][i] != 0) {
                    nonZero++;
                    total += hist[c][i];
                    last = hist[c][i];
                }
            }
            long step = nonZero <= 1 ? 0 : (total - last) / 255;
            if (step == 0) {
                for (int i = 0; i < 256; i++) {
                    lut[c][i] = i;
                }
            } else {
                long n = step / 2;
                for (int i = 0; i < 256; i++) {
                    lut[c][i] = (int) Math.min(255, n / step);
                    n += hist[c][i];
                }
            }
        }
        return apply(img, lut);
    }

    /** {@code ImageOps.invert}. */
    static RgbImage invert(RgbImage img) {
        return point(img, i -> 255 - i);
    }

    /** {@code ImageOps.posterize(img, bits)}: keep the top {@code bits} bits. */
    static RgbImage posterize(RgbImage img, int bits) {
        int mask = ~((1 << (8 - bits)) - 1);
        return point(img, i -> i & mask);
    }

    /** {@code ImageOps.solarize(img, threshold)}: invert values ≥ threshold. */
    static RgbImage solarize(RgbImage img, int threshold) {
        return point(img, i -> i < threshold ? i : 255 - i);
    }

    /** timm's {@code solarize_add}: add {@code add} (capped at 255) to values below {@code threshold}. */
    static RgbImage solarizeAdd(RgbImage img, int add, int threshold) {
        return point(img, i -> i < threshold ? Math.min(255, i + add) : i);
    }

    // ------------------------------------------------------------------ enhancers

    /** {@code ImageEnhance.Color(img).enhance(f)}: blend with the grayscale picture. */
    static RgbImage color(RgbImage img, double factor) {
        byte[] p = img.pixels();
        byte[] gray = new byte[p.length];
        for (int i = 0; i < p.length; i += 3) {
            byte l = (byte) luma(p[i] & 0xff, p[i + 1] & 0xff, p[i + 2] & 0xff);
            gray[i] = l;
            gray[i + 1] = l;
            gray[i + 2] = l;
        }
        return blend(gray, img, factor);
    }

    /** {@code ImageEnhance.Contrast(img).enhance(f)}: blend with the mean gray level. */
    static RgbImage contrast(RgbImage img, double factor) {
        byte[] p = img.pixels();
        long[] hist = new long[256];
        for (int i = 0; i < p.length; i += 3) {
            hist[luma(p[i] & 0xff, p[i + 1] & 0xff, p[i + 2] & 0xff)]++;
        }
        double sum = 0;
        long n = 0;
        for (int i = 0; i < 256; i++) {
            sum += (double) i * hist[i];
            n += hist[i];
        }
        byte mean = (byte) (int) (sum / n + 0.5);
        byte[] flat = new byte[p.length];
        java.util.Arrays.fill(flat, mean);
        return blend(flat, img, factor);
    }

    /** {@code ImageEnhance.Brightness(img).enhance(f)}: blend with black. */
    static RgbImage brightness(RgbImage img, double factor) {
        return blend(new byte[img.pixels().length], img, factor);
    }

    /** {@code ImageEnhance.Sharpness(img).enhance(f)}: blend with {@code ImageFilter.SMOOTH}. */
    static RgbImage sharpness(RgbImage img, double factor) {
        return blend(smooth(img), img, factor);
    }

    /** Pillow's 3×3 {@code SMOOTH} kernel (1 1 1 / 1 5 1 / 1 1 1, ÷13), border pixels copied. */
    static byte[] smooth(RgbImage img) {
        int w = img.width();
        int h = img.height();
        byte[] p = img.pixels();
        byte[] out = p.clone();
        float k1 = 1f / 13f;
        float k5 = 5f / 13f;
        float[] k = {k1, k1, k1, k1, k5, k1, k1, k1, k1};
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                for (int c = 0; c < 3; c++) {
                    float ss = 0.5f; // Pillow adds 0.5 to the offset for multi-band images (rounding)
                    ss += row(p, w, y + 1, x, c, k, 0);
                    ss += row(p, w, y, x, c, k, 3);
                    ss += row(p, w, y - 1, x, c, k, 6);
                    out[(y * w + x) * 3 + c] = (byte) clip8(ss);
                }
            }
        }
        return out;
    }

    private static float row(byte[] p, int w, int y, int x, int c, float[] k, int k0) {
        int i = (y * w + x) * 3 + c;
        return (p[i - 3] & 0xff) * k[k0] + (p[i] & 0xff) * k[k0 + 1] + (p[i + 3] & 0xff) * k[k0 + 2];
    }

    private static int clip8(float v) {
        return v <= 0f ? 0 : v >= 255f ? 255 : (int) v;
    }

    /** Pillow's {@code ImagingBlend(degenerate, img, α)}: float arithmetic, truncated (clipped outside [0, 1]). */
    private static RgbImage blend(byte[] degenerate, RgbImage img, double factor) {
        float alpha = (float) factor;
        byte[] p = img.pixels();
        if (alpha == 1f) {
            return img;
        }
        byte[] out = new byte[p.length];
        boolean interpolate = alpha >= 0 && alpha <= 1f;
        for (int i = 0; i < p.length; i++) {
            int a = degenerate[i] & 0xff;
            int b = p[i] & 0xff;
            float v = a + alpha * (b - a);
            out[i] = (byte) (interpolate ? (int) v : clip8(v));
        }
        return new RgbImage(img.width(), img.height(), out);
    }

    /** Pillow's RGB → L: (19595 R + 38470 G + 7471 B + 0x8000) >> 16. */
    static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    // ------------------------------------------------------------------ geometry

    /**
     * {@code img.transform(size, AFFINE, (a, b, c, d, e, f), BICUBIC, fillcolor)}: output pixel (x, y) samples
     * the input at (a·x' + b·y' + c, d·x' + e·y' + f) with x' = x + ½, y' = y + ½; outside the input the
     * fill colour stays.
     */
    static RgbImage affine(RgbImage img, double[] m, int[] fill) {
        int w = img.width();
        int h = img.height();
        byte[] p = img.pixels();
        byte[] out = new byte[p.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double xi = x + 0.5;
                double yi = y + 0.5;
                double xin = m[0] * xi + m[1] * yi + m[2];
                double yin = m[3] * xi + m[4] * yi + m[5];
                int o = (y * w + x) * 3;
                if (xin < 0.0 || xin >= w || yin < 0.0 || yin >= h) {
                    out[o] = (byte) fill[0];
                    out[o + 1] = (byte) fill[1];
                    out[o + 2] = (byte) fill[2];
                    continue;
                }
                for (int c = 0; c < 3; c++) {
                    out[o + c] = (byte) bicubic(p, w, h, xin, yin, c);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Pillow's {@code bicubic_filter32RGB} (a = −1 cubic, edge rows/columns clamped, truncated). */
    private static int bicubic(byte[] p, int w, int h, double xin, double yin, int c) {
        xin -= 0.5;
        yin -= 0.5;
        int x = floor(xin);
        int y = floor(yin);
        double dx = xin - x;
        double dy = yin - y;
        x--;
        y--;
        int x0 = clamp(x, w);
        int x1 = clamp(x + 1, w);
        int x2 = clamp(x + 2, w);
        int x3 = clamp(x + 3, w);
        double v1 = cubicRow(p, w, clamp(y, h), x0, x1, x2, x3, c, dx);
        double v2 = y + 1 >= 0 && y + 1 < h ? cubicRow(p, w, y + 1, x0, x1, x2, x3, c, dx) : v1;
        double v3 = y + 2 >= 0 && y + 2 < h ? cubicRow(p, w, y + 2, x0, x1, x2, x3, c, dx) : v2;
        double v4 = y + 3 >= 0 && y + 3 < h ? cubicRow(p, w, y + 3, x0, x1, x2, x3, c, dx) : v3;
        double v = cubic(v1, v2, v3, v4, dy);
        return v <= 0.0 ? 0 : v >= 255.0 ? 255 : (int) v;
    }

    private static double cubicRow(byte[] p, int w, int y, int x0, int x1, int x2, int x3, int c, double d) {
        int r = y * w;
        return cubic(p[(r + x0) * 3 + c] & 0xff, p[(r + x1) * 3 + c] & 0xff, p[(r + x2) * 3 + c] & 0xff,
                p[(r + x3) * 3 + c] & 0xff, d);
    }

    private static double cubic(double v1, double v2, double v3, double v4, double d) {
        double p1 = v2;
        double p2 = -v1 + v3;
        double p3 = 2 * (v1 - v2) + v3 - v4;
        double p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }

    private static int floor(double v) {
        return v < 0.0 ? (int) Math.floor(v) : (int) v;
    }

    private static int clamp(int v, int size) {
        return v < 0 ? 0 : v < size ? v : size - 1;
    }

    /**
     * {@code img.rotate(degrees, BICUBIC, fillcolor=fill)} (counter-clockwise, about the centre, same size),
     * with Pillow's matrix (cos/sin rounded to 15 decimals).
     */
    static RgbImage rotate(RgbImage img, double degrees, int[] fill) {
        double angle = degrees % 360.0;
        if (angle < 0) {
            angle += 360.0;
        }
        if (angle == 0) {
            return img;
        }
        int w = img.width();
        int h = img.height();
        if (angle == 180) {
            byte[] p = img.pixels();
            byte[] out = new byte[p.length];
            for (int i = 0, n = w * h; i < n; i++) {
                System.arraycopy(p, i * 3, out, (n - 1 - i) * 3, 3);
            }
            return new RgbImage(w, h, out);
        }
        double a = -Math.toRadians(angle);
        double cos = round15(Math.cos(a));
        double sin = round15(Math.sin(a));
        double[] m = {cos, sin, 0.0, round15(-Math.sin(a)), cos, 0.0};
        double cx = w / 2.0;
        double cy = h / 2.0;
        double tx = m[0] * -cx + m[1] * -cy + m[2];
        double ty = m[3] * -cx + m[4] * -cy + m[5];
        m[2] = tx + cx;
        m[5] = ty + cy;
        return affine(img, m, fill);
    }

    private static double round15(double v) {
        return new BigDecimal(v).setScale(15, RoundingMode.HALF_EVEN).doubleValue();
    }

    // ------------------------------------------------------------------ helpers

    private static int[][] histogram(RgbImage img) {
        int[][] hist = new int[3][256];
        byte[] p = img.pixels();
        for (int i = 0; i < p.length; i += 3) {
            hist[0][p[i] & 0xff]++;
            hist[1][p[i + 1] & 0xff]++;
            hist[2][p[i + 2] & 0xff]++;
        }
        return hist;
    }

    private static RgbImage apply(RgbImage img, int[][] lut) {
        byte[] p = img.pixels();
        byte[] out = new byte[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (byte) lut[i % 3][p[i] & 0xff];
        }
        return new RgbImage(img.width(), img.height(), out);
    }

    private static RgbImage point(RgbImage img, java.util.function.IntUnaryOperator f) {
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) {
            lut[i] = f.applyAsInt(i);
        }
        return apply(img, new int[][] {lut, lut, lut});
    }
}
