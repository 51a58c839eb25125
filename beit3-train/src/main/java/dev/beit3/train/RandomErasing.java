package dev.beit3.train;

import java.util.Random;

/**
 * timm's {@code RandomErasing} as the reference's ImageNet fine-tuning transform applies it
 * ({@code re_prob 0.25, re_mode 'pixel', re_count 1}), on the normalised (3, H, W) tensor of one image:
 * with probability {@code probability}, up to 10 attempts at a box of area uniform in
 * [{@code minArea}, {@code maxArea}] × H·W and aspect ratio log-uniform in
 * [{@code minAspect}, 1/{@code minAspect}] (sides {@code round(√(area·ratio))} × {@code round(√(area/ratio))});
 * the first box that fits strictly inside the image is filled with standard-normal noise, a fresh value
 * per channel and pixel. The algorithm is timm's; the random numbers are Java's.
 *
 * @param probability chance that an image is erased (0.25 in the recipe; 0 = off)
 * @param minArea smallest box area as a fraction of the image (0.02)
 * @param maxArea largest box area as a fraction of the image (1/3)
 * @param minAspect smallest aspect ratio (0.3; the largest is its inverse)
 */
public record RandomErasing(double probability, double minArea, double maxArea, double minAspect) {
    /** Validates. */
    public RandomErasing {
        if (!(probability >= 0 && probability <= 1) || !(minArea > 0 && minArea <= maxArea && maxArea <= 1)
                || !(minAspect > 0 && minAspect <= 1)) {
            throw new IllegalArgumentException("random erasing needs 0 ≤ probability ≤ 1, 0 < minArea ≤ maxArea ≤ 1"
                    + " and 0 < minAspect ≤ 1; got " + probability + ", " + minArea + ", " + maxArea + ", " + minAspect);
        }
    }

    /**
     * The reference's setting with the given probability: areas [0.02, 1/3], aspect [0.3, 1/0.3].
     *
     * @param probability chance per image (the recipe: 0.25)
     * @return the setting
     */
    public static RandomErasing of(double probability) {
        return new RandomErasing(probability, 0.02, 1 / 3.0, 0.3);
    }

    /**
     * Erases at most one box of one image in place.
     *
     * @param chw the image, (C, H, W) row-major, from {@code offset}
     * @param offset index of the image's first value
     * @param channels C
     * @param h H
     * @param w W
     * @param rng the image's random source
     * @return the box {top, left, height, width}, or null when the image was left alone
     */
    public int[] apply(float[] chw, int offset, int channels, int h, int w, Random rng) {
        if (probability <= 0 || rng.nextDouble() > probability) {
            return null;
        }
        double area = (double) h * w;
        double logLo = Math.log(minAspect);
        double logHi = Math.log(1 / minAspect);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = (minArea + (maxArea - minArea) * rng.nextDouble()) * area;
            double ratio = Math.exp(logLo + (logHi - logLo) * rng.nextDouble());
            int bh = (int) Math.round(Math.sqrt(target * ratio));
            int bw = (int) Math.round(Math.sqrt(target / ratio));
            if (bw < w && bh < h) {
                int top = rng.nextInt(h - bh + 1);
                int left = rng.nextInt(w - bw + 1);
                for (int c = 0; c < channels; c++) {
                    for (int y = top; y < top + bh; y++) {
                        for (int x = left; x < left + bw; x++) {
                            chw[offset + (c * h + y) * w + x] = (float) rng.nextGaussian();
                        }
                    }
                }
                return new int[] {top, left, bh, bw};
            }
        }
        return null;
    }
}
