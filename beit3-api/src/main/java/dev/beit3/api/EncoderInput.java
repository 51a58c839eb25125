package dev.beit3.api;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * One batch for the encoder. Absent parts are {@code null}; at least one of image and text is given.
 *
 * <p>Shapes: B batch, S image side, N patches, T text tokens, Ttot = joint length.
 *
 * @param image preprocessed images (B, 3, S, S) float32, or null
 * @param textIds token ids (B, T) int64, or null
 * @param textPaddingMask (B, T), 1 = padding, 0 = real token (BOS/EOS included), or null for no padding
 * @param visionMaskedPositions (B, N), 1 = replace the patch by the mask token, or null
 * @param attentionMask additive mask (Ttot, Ttot) or (B, Ttot, Ttot) (e.g. −1e8 where blocked), or null
 * @param allHiddenStates whether to return the states after the embeddings and after every layer
 * @param options family-specific extras (e.g. VLMo {@code "imageTokenType" -> "2"}), never null
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record EncoderInput(NDArray image, NDArray textIds, NDArray textPaddingMask, NDArray visionMaskedPositions,
        NDArray attentionMask, boolean allHiddenStates, Map<String, String> options) {

    /** Validates. */
    public EncoderInput {
        if (image == null && textIds == null) {
            throw new InvalidInputException("the encoder needs an image, a text, or both; got neither");
        }
        options = Map.copyOf(options == null ? Map.of() : options);
    }

    /**
     * Image-only input.
     *
     * @param image (B, 3, S, S)
     * @return the input
     */
    public static EncoderInput vision(NDArray image) {
        return new EncoderInput(image, null, null, null, null, false, Map.of());
    }

    /**
     * Text-only input.
     *
     * @param ids (B, T) int64
     * @param paddingMask (B, T), 1 = padding, or null
     * @return the input
     */
    public static EncoderInput text(NDArray ids, NDArray paddingMask) {
        return new EncoderInput(null, ids, paddingMask, null, null, false, Map.of());
    }

    /**
     * Image + text input.
     *
     * @param image (B, 3, S, S)
     * @param ids (B, T) int64
     * @param paddingMask (B, T), 1 = padding, or null
     * @return the input
     */
    public static EncoderInput fused(NDArray image, NDArray ids, NDArray paddingMask) {
        return new EncoderInput(image, ids, paddingMask, null, null, false, Map.of());
    }

    /**
     * The layout this input makes.
     *
     * @return VISION, LANGUAGE or FUSED
     */
    public InputLayout layout() {
        return image == null ? InputLayout.LANGUAGE : textIds == null ? InputLayout.VISION : InputLayout.FUSED;
    }

    /**
     * Copy asking for all hidden states.
     *
     * @param all whether to return them
     * @return the copy
     */
    public EncoderInput withAllHiddenStates(boolean all) {
        return new EncoderInput(image, textIds, textPaddingMask, visionMaskedPositions, attentionMask, all, options);
    }

    /**
     * Copy with an additive attention mask.
     *
     * @param mask (Ttot, Ttot) or (B, Ttot, Ttot)
     * @return the copy
     */
    public EncoderInput withAttentionMask(NDArray mask) {
        return new EncoderInput(image, textIds, textPaddingMask, visionMaskedPositions, mask, allHiddenStates, options);
    }

    /**
     * Copy with another image batch (e.g. the same pixels owned by another manager).
     *
     * @param images (B, 3, S, S)
     * @return the copy
     */
    public EncoderInput withImage(NDArray images) {
        return new EncoderInput(images, textIds, textPaddingMask, visionMaskedPositions, attentionMask, allHiddenStates,
                options);
    }

    /**
     * Copy with masked patches.
     *
     * @param masked (B, N), 1 = masked
     * @return the copy
     */
    public EncoderInput withVisionMask(NDArray masked) {
        return new EncoderInput(image, textIds, textPaddingMask, masked, attentionMask, allHiddenStates, options);
    }

    /**
     * Copy with one more option.
     *
     * @param key option name
     * @param value option value
     * @return the copy
     */
    public EncoderInput withOption(String key, String value) {
        var m = new java.util.HashMap<>(options);
        m.put(key, value);
        return new EncoderInput(image, textIds, textPaddingMask, visionMaskedPositions, attentionMask, allHiddenStates,
                m);
    }
}
