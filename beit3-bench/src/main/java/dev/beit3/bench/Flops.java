package dev.beit3.bench;

import dev.beit3.api.EncoderConfig;

/**
 * Floating-point operation counts of encoder passes (multiply-add = 2 FLOP). Public so that the training
 * benchmark ({@link TrainBench}) counts with the same formula.
 */
@dev.beit3.api.Api(status = dev.beit3.api.Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class Flops {
    private Flops() {}

    /**
     * One pass of B sequences of T tokens through L layers, plus the patch embedding of the images.
     *
     * @param c configuration (D, F, L, P)
     * @param batch B
     * @param tokens T (joint length)
     * @param images images in the batch that go through the patch embedding (0 for text only)
     * @return FLOP
     */
    public static double pass(EncoderConfig c, long batch, long tokens, long images) {
        double d = c.dim();
        double f = c.ffnDim();
        double perToken = 2 * d * (3 * d + d + 2 * f); // qkv, out, fc1 + fc2
        double attention = 4.0 * tokens * tokens * d; // q·kᵀ and weights·v
        double layer = batch * (tokens * perToken + attention);
        double patch = images * 2.0 * c.numPatches() * 3 * c.patchSize() * c.patchSize() * d;
        return c.layers() * layer + patch;
    }

    /**
     * An incremental step: Q new tokens per row attending to K keys (cached + new).
     *
     * @param c configuration
     * @param rows B·beams
     * @param newTokens Q
     * @param keys K
     * @return FLOP
     */
    public static double step(EncoderConfig c, long rows, long newTokens, long keys) {
        double d = c.dim();
        double f = c.ffnDim();
        return c.layers() * rows * (newTokens * 2 * d * (4 * d + 2 * f) + 4.0 * newTokens * keys * d);
    }
}
