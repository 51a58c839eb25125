package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/** Whole-model gradient utilities: the global L2 norm and clipping by it. */
public final class Gradients {
    private Gradients() {}

    /**
     * The L2 norm over all gradients, as the reference logs it ({@code utils.get_grad_norm_}:
     * the norm of the per-parameter norms), accumulated in double.
     *
     * @param gradients by key
     * @return the norm (0 when empty)
     */
    public static double globalNorm(Map<String, NDArray> gradients) {
        double sq = 0;
        for (NDArray g : gradients.values()) {
            try (NDArray n = g.norm()) {
                double v = n.getFloat();
                sq += v * v;
            }
        }
        return Math.sqrt(sq);
    }

    /**
     * {@code torch.nn.utils.clip_grad_norm_}: when the global norm exceeds {@code maxNorm}, scales every
     * gradient in place by maxNorm / (norm + 1e-6).
     *
     * @param gradients by key (modified in place)
     * @param maxNorm the bound
     * @return the norm before clipping
     */
    public static double clipByGlobalNorm(Map<String, NDArray> gradients, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
        }
        double norm = globalNorm(gradients);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (NDArray g : gradients.values()) {
                g.muli((float) coef);
            }
        }
        return norm;
    }
}
