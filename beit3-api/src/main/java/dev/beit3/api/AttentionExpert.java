package dev.beit3.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Serves the {@link LayerSlot#ATTENTION} slot for its tokens: the projections around the shared
 * scaled dot-product attention (which the core computes once over the joint sequence).
 *
 * <p>Shapes: B batch, Te tokens routed to this expert, D width.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public interface AttentionExpert extends Expert {
    /**
     * Pre-attention LayerNorm and q/k/v projections.
     *
     * @param x residual stream of this expert's tokens (B, Te, D)
     * @return q (already scaled by d^−½), k, v, each (B, Te, D), feature index = head·d + j
     */
    NDList projectQkv(NDArray x);

    /**
     * Everything after the attention: e.g. sub-LN and output projection, or projection and layer scale.
     *
     * @param attended concatenated head outputs of this expert's tokens (B, Te, D)
     * @return the residual branch (B, Te, D), added to the stream by the core
     */
    NDArray projectOutput(NDArray attended);

    /**
     * The stream after the attention: {@code residual + projectOutput(attended)}. An expert whose output
     * projection can add the residual inside its matrix product (a kernel backend's fused epilogue,
     * {@link LinearKernel#apply(NDArray, NDArray)}) overrides this; the result must equal the default's.
     *
     * @param attended concatenated head outputs of this expert's tokens (B, Te, D)
     * @param residual the stream of the same tokens before the attention (B, Te, D); not modified
     * @return residual + branch (B, Te, D), a new array
     */
    default NDArray projectOutput(NDArray attended, NDArray residual) {
        return residual.add(projectOutput(attended)); // out of place: autograd may hold the residual
    }
}
