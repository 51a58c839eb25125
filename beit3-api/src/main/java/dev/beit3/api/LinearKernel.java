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

    /**
     * Applies the layer and adds a residual: y = epilogue(x·Wᵀ + b) + residual, which a backend may fuse into the
     * matrix product (oneDNN: a binary post-op) instead of a separate pass over the result.
     *
     * @param x (…, in) float32
     * @param residual (…, out) float32, the shape of the result; not modified
     * @return (…, out) float32, a new array owned by x's manager
     */
    default NDArray apply(NDArray x, NDArray residual) {
        return residual.add(apply(x)); // out of place, as autograd needs
    }
}
