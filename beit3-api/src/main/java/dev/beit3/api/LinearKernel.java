package dev.beit3.api;

import ai.djl.ndarray.NDArray;

/** One prepared linear layer of a {@link Kernels} backend: y = epilogue(x·Wᵀ + b). Thread-safe. */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
@FunctionalInterface
public interface LinearKernel {
    /**
     * Applies the layer.
     *
     * @param x (…, in) float32
     * @return (…, out) float32, owned by x's manager
     */
    NDArray apply(NDArray x);
}
