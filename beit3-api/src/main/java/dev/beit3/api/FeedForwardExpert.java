package dev.beit3.api;

import ai.djl.ndarray.NDArray;

/**
 * Serves the {@link LayerSlot#FFN} slot for its tokens: pre-FFN LayerNorm, the feed-forward network
 * and any scaling of the residual branch.
 *
 * <p>Shapes: B batch, Te tokens routed to this expert, D width.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public interface FeedForwardExpert extends Expert {
    /**
     * Computes the residual branch.
     *
     * @param x residual stream of this expert's tokens (B, Te, D)
     * @return the branch (B, Te, D), added to the stream by the core
     */
    NDArray forward(NDArray x);

    /**
     * The stream after the feed-forward network: {@code x + forward(x)}. An expert whose last projection can add
     * the residual inside its matrix product ({@link LinearKernel#apply(NDArray, NDArray)}) overrides this; the
     * result must equal the default's.
     *
     * @param x residual stream of this expert's tokens (B, Te, D); not modified
     * @return x + branch (B, Te, D), a new array
     */
    default NDArray forwardWithResidual(NDArray x) {
        return x.add(forward(x)); // out of place: the branch's LayerNorm may have saved x for the backward pass
    }
}
