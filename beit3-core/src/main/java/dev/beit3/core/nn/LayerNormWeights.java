package dev.beit3.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.WeightSource;

/**
 * LayerNorm over the last axis: (x − mean) / sqrt(var + ε) ⊙ γ + β, biased variance.
 *
 * @param gamma (C)
 * @param beta (C)
 * @param eps ε
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public record LayerNormWeights(NDArray gamma, NDArray beta, float eps) {

    /**
     * Reads {@code <name>.weight} and {@code <name>.bias}.
     *
     * @param ws weights
     * @param name module name, e.g. {@code "self_attn_layer_norm.A"}
     * @param features C
     * @param eps ε
     * @param purpose for the load report
     * @return the weights
     */
    public static LayerNormWeights load(WeightSource ws, String name, long features, double eps, String purpose) {
        return new LayerNormWeights(ws.require(name + ".weight", new Shape(features), purpose),
                ws.require(name + ".bias", new Shape(features), purpose), (float) eps);
    }

    /**
     * Normalises.
     *
     * @param x (…, C)
     * @return (…, C), owned by x's manager
     */
    public NDArray apply(NDArray x) {
        return Ops.layerNorm(x, gamma, beta, eps);
    }
}
