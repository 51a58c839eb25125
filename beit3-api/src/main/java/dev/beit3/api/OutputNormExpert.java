package dev.beit3.api;

import ai.djl.ndarray.NDArray;

/**
 * Serves the {@link LayerSlot#FINAL_NORM} slot: the per-modality LayerNorm after the last layer.
 *
 * <p>Shapes: B batch, Te tokens routed to this expert, D width.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public interface OutputNormExpert extends Expert {
    /**
     * Normalises the final hidden states of this expert's tokens.
     *
     * @param x (B, Te, D)
     * @return (B, Te, D)
     */
    NDArray normalize(NDArray x);
}
