package dev.beit3.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * What the encoder returns. Arrays belong to the caller's manager (the call's scope).
 *
 * @param output final hidden states (B, Ttot, D), after the final LayerNorm when the model has one
 * @param hiddenStates when requested: L + 1 arrays (B, Ttot, D) — the embeddings (positions added, padded
 *     text rows zeroed) and the output of every layer (before the final LayerNorm); otherwise empty
 * @param splitPosition index of the first text token in a BEiT-3 fused sequence (Nv); −1 for image-only,
 *     0 for text-only input (VLMo fused: the number of text tokens, where the image part starts)
 * @param paddingMask (B, Ttot), 1 = padded key, as used by the attention
 * @param layout what the sequence held
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record EncoderOutput(NDArray output, NDList hiddenStates, int splitPosition, NDArray paddingMask,
        InputLayout layout) {}
