package dev.beit3.train;

import java.util.Random;

/** A masking strategy for image patches (masked image modeling). */
public interface PatchMasking {
    /**
     * Masks the patch grid of one image.
     *
     * @param gridH rows of patches
     * @param gridW columns of patches
     * @param rng the random source
     * @return (gridH·gridW) flags, patch k = row·gridW + col, 1 = masked
     */
    long[] mask(int gridH, int gridW, Random rng);

    /**
     * Block-wise masking as in BEiT ({@code MaskingGenerator}): rectangles of random area in
     * [minPatches, remaining] and aspect ratio in [minAspect, 1/minAspect] are added until
     * {@code numMasked} patches are masked (or no rectangle fits in 10 attempts).
     *
     * @param numMasked patches to mask (e.g. round(0.4·N))
     * @param minPatches smallest rectangle area (4 in BEiT)
     * @param minAspect smallest aspect ratio (0.3 in BEiT)
     * @return the strategy
     */
    static PatchMasking blockwise(int numMasked, int minPatches, double minAspect) {
        if (numMasked < 1 || minPatches < 1 || !(minAspect > 0 && minAspect <= 1)) {
            throw new IllegalArgumentException("block-wise masking needs numMasked ≥ 1, minPatches ≥ 1, 0 < minAspect ≤ 1");
        }
        double lo = Math.log(minAspect);
        double hi = Math.log(1 / minAspect);
        return (gh, gw, rng) -> {
            long[] m = new long[gh * gw];
            int count = 0;
            while (count < numMasked) {
                int max = numMasked - count;
                int delta = 0;
                for (int attempt = 0; attempt < 10 && delta == 0; attempt++) {
                    double area = minPatches + (max - minPatches) * rng.nextDouble();
                    double aspect = Math.exp(lo + (hi - lo) * rng.nextDouble());
                    int h = (int) Math.round(Math.sqrt(area * aspect));
                    int w = (int) Math.round(Math.sqrt(area / aspect));
                    if (w < gw && h < gh) {
                        int top = rng.nextInt(gh - h + 1);
                        int left = rng.nextInt(gw - w + 1);
                        int already = 0;
                        for (int i = top; i < top + h; i++) {
                            for (int j = left; j < left + w; j++) {
                                already += (int) m[i * gw + j];
                            }
                        }
                        int fresh = h * w - already;
                        if (fresh > 0 && fresh <= max) {
                            for (int i = top; i < top + h; i++) {
                                for (int j = left; j < left + w; j++) {
                                    if (m[i * gw + j] == 0) {
                                        m[i * gw + j] = 1;
                                        delta++;
                                    }
                                }
                            }
                        }
                    }
                }
                if (delta == 0) {
                    break;
                }
                count += delta;
            }
            return m;
        };
    }
}
