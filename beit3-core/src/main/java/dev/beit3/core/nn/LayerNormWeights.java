package dev.beit3.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.Kernels;
import dev.beit3.api.LayerNormKernel;
import dev.beit3.api.WeightSource;

/**
 * LayerNorm over the last axis: (x − mean) / sqrt(var + ε) ⊙ γ + β, biased variance; computed by the kernel
 * backend's prepared norm when the weight source's backend has one ({@link Kernels#layerNorm}), else with DJL.
 *
 * @param gamma (C)
 * @param beta (C)
 * @param eps ε
 * @param kernel the backend's prepared norm, or null for DJL on {@code gamma} and {@code beta}
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public record LayerNormWeights(NDArray gamma, NDArray beta, float eps, LayerNormKernel kernel) {

    /**
     * A DJL LayerNorm on these arrays.
     *
     * @param gamma (C)
     * @param beta (C)
     * @param eps ε
     */
    public LayerNormWeights(NDArray gamma, NDArray beta, float eps) {
        this(gamma, beta, eps, null);
    }

    /**
     * Reads {@code <name>.weight} and {@code <name>.bias} and prepares them for the source's kernel backend when it
     * normalises (the arrays are kept either way: they are small, and training reads them).
     *
     * @param ws weights
     * @param name module name, e.g. {@code "self_attn_layer_norm.A"}
     * @param features C
     * @param eps ε
     * @param purpose for the load report
     * @return the weights
     */
    public static LayerNormWeights load(WeightSource ws, String name, long features, double eps, String purpose) {
        NDArray gamma = ws.require(name + ".weight", new Shape(features), purpose);
        NDArray beta = ws.require(name + ".bias", new Shape(features), purpose);
        LayerNormKernel k = ws.kernels().flatMap(b -> b.layerNorm(gamma, beta, (float) eps)).orElse(null);
        return new LayerNormWeights(gamma, beta, (float) eps, k);
    }

    /**
     * Normalises.
     *
     * @param x (…, C)
     * @return (…, C), owned by x's manager
     */
    public NDArray apply(NDArray x) {
        return kernel != null ? kernel.apply(x) : Ops.layerNorm(x, gamma, beta, eps);
    }

    /**
     * Normalises an array the caller owns and does not read again, in place where the backend's kernel can
     * ({@link LayerNormKernel#applyInPlace}); without a kernel (DJL, training) out of place, as {@link #apply}.
     *
     * @param x (…, C), possibly overwritten
     * @return (…, C): x itself or a new array owned by x's manager
     */
    public NDArray applyInPlace(NDArray x) {
        return kernel != null ? kernel.applyInPlace(x) : Ops.layerNorm(x, gamma, beta, eps);
    }
}
