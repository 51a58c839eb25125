package dev.beit3.core.nn;

import dev.beit3.api.Api;

/**
 * PyTorch's {@code interpolate(mode='bicubic', align_corners=False)} without antialiasing, as the
 * reference uses it to resize position-embedding grids: separable cubic convolution with A = −0.75,
 * source coordinate (dst + 0.5)·in/out − 0.5, four taps clamped to the border.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Bicubic {
    private static final double A = -0.75;

    private Bicubic() {}

    /**
     * The (out × in) resampling matrix of one axis: out[i] = Σ_j m[i][j]·in[j].
     *
     * @param in source length
     * @param out target length
     * @return the matrix
     */
    public static double[][] matrix(int in, int out) {
        double[][] m = new double[out][in];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double real = scale * (i + 0.5) - 0.5;
            int idx = (int) Math.floor(real);
            double t = real - idx;
            double[] w = {far(t + 1), near(t), near(1 - t), far(2 - t)};
            for (int k = 0; k < 4; k++) {
                int j = Math.min(Math.max(idx - 1 + k, 0), in - 1);
                m[i][j] += w[k];
            }
        }
        return m;
    }

    private static double near(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static double far(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }

    /**
     * Resizes a square grid of D-vectors.
     *
     * @param grid row-major (g, g, D)
     * @param g source side
     * @param gNew target side
     * @param dim D
     * @return row-major (gNew, gNew, D)
     */
    public static float[] resizeGrid(float[] grid, int g, int gNew, int dim) {
        double[][] m = matrix(g, gNew);
        // vertical pass: (gNew, g, D)
        double[] tmp = new double[gNew * g * dim];
        for (int i = 0; i < gNew; i++) {
            for (int a = 0; a < g; a++) {
                double w = m[i][a];
                if (w == 0) {
                    continue;
                }
                for (int b = 0; b < g; b++) {
                    int src = (a * g + b) * dim;
                    int dst = (i * g + b) * dim;
                    for (int d = 0; d < dim; d++) {
                        tmp[dst + d] += w * grid[src + d];
                    }
                }
            }
        }
        float[] out = new float[gNew * gNew * dim];
        for (int i = 0; i < gNew; i++) {
            for (int j = 0; j < gNew; j++) {
                int dst = (i * gNew + j) * dim;
                for (int d = 0; d < dim; d++) {
                    double acc = 0;
                    for (int b = 0; b < g; b++) {
                        acc += m[j][b] * tmp[(i * g + b) * dim + d];
                    }
                    out[dst + d] = (float) acc;
                }
            }
        }
        return out;
    }
}
