package dev.beit3.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Optional facet of a {@link TaskHead}: a masked-language-model forward that returns the logits at chosen text
 * positions only, the training-mode pass of a head that predicts masked tokens (the captioning head's
 * {@code BEiT3ForCaptioning.forward} with {@code language_masked_pos}). A trainer tests a head with
 * {@code instanceof MaskedLanguageHead}, so it needs no compile-time dependency on the heads jar.
 *
 * <p>Shapes: B images, S side, T text slots, V vocabulary.
 */
@Api(status = Api.Status.EXPERIMENTAL)
public interface MaskedLanguageHead extends TaskHead {
    /**
     * Logits at the masked text positions, under the head's own attention mask.
     *
     * @param encoder the encoder
     * @param images (B, 3, S, S)
     * @param textIds (B, T) with the masked positions holding the mask id
     * @param paddingMask (B, T), 1 = padding, or null
     * @param maskedPositions (B, T), 1 = predict here
     * @param scope manager of the result
     * @return (number of masked positions, V), rows in row-major order of the mask
     * @throws InvalidInputException when the shapes do not fit or no position is masked
     */
    NDArray maskedLm(Encoder encoder, NDArray images, NDArray textIds, NDArray paddingMask, NDArray maskedPositions,
            NDManager scope);
}
