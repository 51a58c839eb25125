package dev.beit3.api;

import ai.djl.ndarray.NDArray;

/**
 * One prepared LayerNorm of a {@link Kernels} backend: (x − mean) / sqrt(var + ε) ⊙ γ + β over the last axis,
 * biased variance, as PyTorch's {@code layer_norm}. Thread-safe.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
@FunctionalInterface
public interface LayerNormKernel {
    /**
     * Normalises.
     *
     * @param x (…, C) float32; not modified
     * @return (…, C) float32, a new array owned by x's manager
     */
    NDArray apply(NDArray x);

    /**
     * Normalises an array the caller owns and will not read again (such as a linear layer's fresh result),
     * overwriting it where the backend can: no new array is allocated and the data is read and written in the
     * same cache lines. The default is {@link #apply}. Never for arrays autograd records.
     *
     * @param x (…, C) float32, possibly overwritten
     * @return x itself, normalised in place, or a new array as {@link #apply} returns (x then unchanged)
     */
    default NDArray applyInPlace(NDArray x) {
        return apply(x);
    }
}
