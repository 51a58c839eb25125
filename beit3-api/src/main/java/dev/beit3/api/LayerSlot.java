package dev.beit3.api;

/**
 * The two places inside a Multiway layer where an expert serves tokens.
 *
 * <p>A BEiT-3 (as released) expert owns both slots for its tokens: pre-attention LayerNorm, q/k/v,
 * sub-LN and output projection ({@link #ATTENTION}), pre-FFN LayerNorm and FFN ({@link #FFN}). A
 * VLMo-style layer has one shared expert in the attention slot and routes only the FFN slot.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public enum LayerSlot {
    /** Projections around the shared scaled dot-product attention. */
    ATTENTION,
    /** The position-wise feed-forward network and its pre-LayerNorm. */
    FFN,
    /** The optional LayerNorm after the last layer (BEiT-3 {@code encoder.layer_norm.{A,B}}). */
    FINAL_NORM
}
