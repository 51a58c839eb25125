package dev.beit3.api;

import ai.djl.ndarray.NDArray;

/**
 * A kernel backend's scaled dot-product attention over the joint sequence: softmax(q·kᵀ + bias)·v per head, in
 * float32. Thread-safe. Shapes: B batch, Tq queries, Tk keys, H heads, D = H·d.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
@FunctionalInterface
public interface AttentionKernel {
    /**
     * Attends.
     *
     * @param q (B, Tq, D) float32, already scaled by d^−½
     * @param k (B, Tk, D) float32
     * @param v (B, Tk, D) float32
     * @param heads H
     * @param bias additive score bias broadcastable to (B, H, Tq, Tk), or null
     * @return (B, Tq, D) with the heads concatenated, owned by q's manager
     */
    NDArray attend(NDArray q, NDArray k, NDArray v, int heads, NDArray bias);
}
