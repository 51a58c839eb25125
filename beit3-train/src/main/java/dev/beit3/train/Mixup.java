package dev.beit3.train;

import java.util.Random;

/**
 * timm's {@code Mixup} in batch mode, as the ImageNet recipe applies it before the loss: one λ per
 * batch, the partner of sample b is sample B−1−b. Mixup blends {@code image·λ + image.flip(0)·(1−λ)};
 * CutMix pastes a box of {@code image.flip(0)} and sets λ = 1 − box area / (H·W). Targets:
 * {@code λ·t(label) + (1−λ)·t(label.flip(0))}, t(y) = one_hot(y)·(1 − s + s/C) + s/C elsewhere.
 *
 * @param mixupAlpha Beta(α, α) of Mixup (0.8 in the recipe; 0 = off)
 * @param cutmixAlpha Beta(α, α) of CutMix (1.0; 0 = off)
 * @param switchProb probability of CutMix when both are on (0.5)
 * @param labelSmoothing s (0.1)
 * @param numClasses C
 */
public record Mixup(double mixupAlpha, double cutmixAlpha, double switchProb, double labelSmoothing, int numClasses) {

    /**
     * One draw: λ, whether CutMix, and the CutMix box (rows [y0, y1), columns [x0, x1)).
     *
     * @param lam λ (for CutMix already corrected to the box area)
     * @param cutmix whether the box is pasted
     * @param y0 box top
     * @param y1 box bottom (exclusive)
     * @param x0 box left
     * @param x1 box right (exclusive)
     */
    public record Draw(double lam, boolean cutmix, int y0, int y1, int x0, int x1) {
        /**
         * A Mixup draw.
         *
         * @param lam λ
         * @return the draw
         */
        public static Draw mixup(double lam) {
            return new Draw(lam, false, 0, 0, 0, 0);
        }
    }

    /**
     * A mixed batch.
     *
     * @param images (B, 3, H, W) row-major
     * @param softTargets (B, C) row-major
     */
    public record Mixed(float[] images, float[] softTargets) {}

    /**
     * Draws λ (and the box) as timm does, from {@code rng}.
     *
     * @param h image height
     * @param w image width
     * @param rng the random source
     * @return the draw
     */
    public Draw draw(int h, int w, Random rng) {
        boolean cut = cutmixAlpha > 0 && (mixupAlpha <= 0 || rng.nextDouble() < switchProb);
        double lam = beta(cut ? cutmixAlpha : mixupAlpha, rng);
        if (!cut) {
            return Draw.mixup(lam);
        }
        double ratio = Math.sqrt(1 - lam);
        int ch = (int) (h * ratio);
        int cw = (int) (w * ratio);
        int cy = rng.nextInt(h);
        int cx = rng.nextInt(w);
        int y0 = clamp(cy - ch / 2, h);
        int y1 = clamp(cy + ch / 2, h);
        int x0 = clamp(cx - cw / 2, w);
        int x1 = clamp(cx + cw / 2, w);
        double corrected = 1 - (double) (y1 - y0) * (x1 - x0) / ((double) h * w);
        return new Draw(corrected, true, y0, y1, x0, x1);
    }

    /**
     * Applies a draw.
     *
     * @param images (B, 3, H, W) row-major
     * @param shape {B, 3, H, W}
     * @param labels (B) class ids
     * @param d the draw
     * @return mixed images and soft targets
     */
    public Mixed apply(float[] images, long[] shape, long[] labels, Draw d) {
        int b = (int) shape[0];
        int per = (int) (shape[1] * shape[2] * shape[3]);
        int h = (int) shape[2];
        int w = (int) shape[3];
        float lam = (float) d.lam();
        float rest = (float) (1 - d.lam());
        float[] out = new float[images.length];
        for (int i = 0; i < b; i++) {
            int src = i * per;
            int partner = (b - 1 - i) * per;
            if (!d.cutmix()) {
                for (int k = 0; k < per; k++) {
                    out[src + k] = images[src + k] * lam + images[partner + k] * rest;
                }
            } else {
                System.arraycopy(images, src, out, src, per);
                for (int c = 0; c < shape[1]; c++) {
                    for (int y = d.y0(); y < d.y1(); y++) {
                        for (int x = d.x0(); x < d.x1(); x++) {
                            int k = (c * h + y) * w + x;
                            out[src + k] = images[partner + k];
                        }
                    }
                }
            }
        }
        double off = labelSmoothing / numClasses;
        float on = (float) (1 - labelSmoothing + off);
        float offF = (float) off;
        float[] t = new float[b * numClasses];
        for (int i = 0; i < b; i++) {
            for (int c = 0; c < numClasses; c++) {
                float y1 = labels[i] == c ? on : offF;
                float y2 = labels[b - 1 - i] == c ? on : offF;
                t[i * numClasses + c] = y1 * lam + y2 * rest;
            }
        }
        return new Mixed(out, t);
    }

    private static int clamp(int v, int hi) {
        return Math.max(0, Math.min(v, hi));
    }

    /** Beta(α, α) from two Gamma(α) draws (Marsaglia–Tsang, with the α < 1 boost). */
    private static double beta(double alpha, Random rng) {
        double x = gamma(alpha, rng);
        double y = gamma(alpha, rng);
        return x / (x + y);
    }

    private static double gamma(double a, Random rng) {
        if (a < 1) {
            return gamma(a + 1, rng) * Math.pow(rng.nextDouble(), 1 / a);
        }
        double d = a - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = rng.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = rng.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }
}
