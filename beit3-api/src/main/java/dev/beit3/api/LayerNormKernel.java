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
}
