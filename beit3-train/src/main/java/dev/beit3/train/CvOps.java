package dev.beit3.train;

import dev.beit3.api.RgbImage;

/**
 * The OpenCV/NumPy operations of the vision-language recipes' {@code RandomAugment} (BEiT-3's
 * {@code randaug.py}, from BLIP), with OpenCV's arithmetic (checked byte for byte against OpenCV 4.6 by
 * {@code VlRandomAugmentTest}): {@code warpAffine} with its 10-bit fixed-point coordinates and 15-bit
 * bilinear weights, {@code filter2D}, and the reference's NumPy lookup tables, including their quirks
 * (see {@link #autocontrast}).
 */
final class CvOps {
    private static final int INTER_BITS = 5;
    private static final int INTER_TAB_SIZE = 1 << INTER_BITS;
    private static final int AB_BITS = 10;
    private static final int AB_SCALE = 1 << AB_BITS;
    private static final int COEF_BITS = 15;

    private CvOps() {}

    /**
     * The reference's {@code autocontrast_func}: per channel, table {@code i·scale + offset} with
     * scale = 255 / (max − min) and offset = {@code -min * scale} where {@code -min} is computed on the
     * uint8 channel minimum and therefore wraps to 256 − min: a channel whose minimum is above 0 saturates
     * to white (a channel reaching 0 is stretched as intended). Reproduced as the reference computes it.
     */
    static RgbImage autocontrast(RgbImage img) {
        byte[] p = img.pixels();
        int[][] lut = new int[3][256];
        for (int c = 0; c < 3; c++) {
            int lo = 255;
            int hi = 0;
            for (int i = c; i < p.length; i += 3) {
                int v = p[i] & 0xff;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            if (hi <= lo) {
                for (int i = 0; i < 256; i++) {
                    lut[c][i] = i;
                }
                continue;
            }
            double scale = 255.0 / (hi - lo);
            double offset = ((-lo) & 0xff) * scale; // numpy: -np.uint8(lo) wraps
            for (int i = 0; i < 256; i++) {
                double t = i * scale + offset;
                t = t < 0 ? 0 : t > 255 ? 255 : t;
                lut[c][i] = (int) t;
            }
        }
        byte[] out = new byte[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (byte) lut[i % 3][p[i] & 0xff];
        }
        return new RgbImage(img.width(), img.height(), out);
    }

    /**
     * The reference's {@code sharpness_func}: {@code filter2D} with (1 1 1 / 1 5 1 / 1 1 1)/13 (rounded
     * to uint8), then inside the 1-pixel border {@code deg + f·(img − deg)} in float32 converted to uint8
     * without clipping (values outside [0, 255] wrap, as NumPy's cast does on x86); the border keeps the
     * input.
     */
    static RgbImage sharpness(RgbImage img, double factor) {
        int w = img.width();
        int h = img.height();
        byte[] p = img.pixels();
        if (factor == 1.0) {
            return img;
        }
        float f = (float) factor;
        float k1 = 1f / 13f;
        float k5 = 5f / 13f;
        byte[] out = p.clone();
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                for (int c = 0; c < 3; c++) {
                    float s = 0f;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            float k = dy == 0 && dx == 0 ? k5 : k1;
                            s += k * (p[((y + dy) * w + x + dx) * 3 + c] & 0xff);
                        }
                    }
                    int deg = Math.max(0, Math.min(255, (int) Math.rint(s)));
                    int i = (y * w + x) * 3 + c;
                    if (factor == 0.0) {
                        out[i] = (byte) deg;
                    } else {
                        float v = deg + f * ((p[i] & 0xff) - deg);
                        out[i] = (byte) (int) v; // float -> int32 -> low byte
                    }
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * {@code cv2.getRotationMatrix2D((W/2, H/2), degrees, 1)}: counter-clockwise about the centre.
     */
    static double[] rotationMatrix(int w, int h, double degrees) {
        double a = degrees * (Math.PI / 180);
        double alpha = Math.cos(a);
        double beta = Math.sin(a);
        double cx = (float) (w / 2.0);
        double cy = (float) (h / 2.0);
        return new double[] {alpha, beta, (1 - alpha) * cx - beta * cy, -beta, alpha, beta * cx + (1 - alpha) * cy};
    }

    /**
     * {@code cv2.warpAffine(img, m, (W, H), flags=INTER_LINEAR, borderValue=fill)} with {@code m} the
     * forward 2×3 matrix (OpenCV inverts it), OpenCV 4.6's fixed-point sampling and constant border.
     */
    static RgbImage warpAffine(RgbImage img, double[] fwd, int[] fill) {
        int w = img.width();
        int h = img.height();
        byte[] p = img.pixels();
        double[] m = fwd.clone();
        double d = m[0] * m[4] - m[1] * m[3];
        d = d != 0 ? 1.0 / d : 0;
        double a11 = m[4] * d;
        double a22 = m[0] * d;
        m[0] = a11;
        m[1] *= -d;
        m[3] *= -d;
        m[4] = a22;
        double b1 = -m[0] * m[2] - m[1] * m[5];
        double b2 = -m[3] * m[2] - m[4] * m[5];
        m[2] = b1;
        m[5] = b2;
        int roundDelta = AB_SCALE / INTER_TAB_SIZE / 2;
        int[] adelta = new int[w];
        int[] bdelta = new int[w];
        for (int x = 0; x < w; x++) {
            adelta[x] = saturateInt(m[0] * x * AB_SCALE);
            bdelta[x] = saturateInt(m[3] * x * AB_SCALE);
        }
        byte[] out = new byte[p.length];
        for (int y = 0; y < h; y++) {
            int x0 = saturateInt((m[1] * y + m[2]) * AB_SCALE) + roundDelta;
            int y0 = saturateInt((m[4] * y + m[5]) * AB_SCALE) + roundDelta;
            for (int x = 0; x < w; x++) {
                int xx = (x0 + adelta[x]) >> (AB_BITS - INTER_BITS);
                int yy = (y0 + bdelta[x]) >> (AB_BITS - INTER_BITS);
                int sx = saturateShort(xx >> INTER_BITS);
                int sy = saturateShort(yy >> INTER_BITS);
                int fy = yy & (INTER_TAB_SIZE - 1);
                int fx = xx & (INTER_TAB_SIZE - 1);
                // OpenCV's BilinearTab_i: products of multiples of 1/32, exact: weights × 2^15
                int w0 = (INTER_TAB_SIZE - fy) * (INTER_TAB_SIZE - fx) * 32;
                int w1 = (INTER_TAB_SIZE - fy) * fx * 32;
                int w2 = fy * (INTER_TAB_SIZE - fx) * 32;
                int w3 = fy * fx * 32;
                int o = (y * w + x) * 3;
                boolean inside = sx >= 0 && sx < w - 1 && sy >= 0 && sy < h - 1;
                boolean outside = sx >= w || sx + 1 < 0 || sy >= h || sy + 1 < 0;
                for (int c = 0; c < 3; c++) {
                    if (outside) {
                        out[o + c] = (byte) fill[c];
                        continue;
                    }
                    int v0 = at(p, w, h, sx, sy, c, fill, inside);
                    int v1 = at(p, w, h, sx + 1, sy, c, fill, inside);
                    int v2 = at(p, w, h, sx, sy + 1, c, fill, inside);
                    int v3 = at(p, w, h, sx + 1, sy + 1, c, fill, inside);
                    int val = v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3;
                    int r = (val + (1 << (COEF_BITS - 1))) >> COEF_BITS;
                    out[o + c] = (byte) Math.max(0, Math.min(255, r));
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static int at(byte[] p, int w, int h, int x, int y, int c, int[] fill, boolean inside) {
        if (inside || (x >= 0 && x < w && y >= 0 && y < h)) {
            return p[(y * w + x) * 3 + c] & 0xff;
        }
        return fill[c];
    }

    /** OpenCV's {@code saturate_cast<int>(double)}: round half to even, saturated. */
    private static int saturateInt(double v) {
        double r = Math.rint(v);
        return r >= Integer.MAX_VALUE ? Integer.MAX_VALUE : r <= Integer.MIN_VALUE ? Integer.MIN_VALUE : (int) r;
    }

    private static int saturateShort(int v) {
        return Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
    }
}
