package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The source of masked-image-modeling targets: maps images to one discrete visual token per patch
 * (e.g. a BEiT v2 tokenizer, or any codebook). Plug one into {@link Tasks#maskedImageModeling}.
 */
public interface VisualTokenizer {
    /**
     * The codebook size K (the MIM head predicts K classes).
     *
     * @return K
     */
    int vocabularySize();

    /**
     * Tokenizes unmasked images.
     *
     * @param images (B, 3, S, S), preprocessed for the model
     * @param scope manager of the result
     * @return (B, N) int64 ids in [0, K), patch k = row·G + col
     */
    NDArray tokenize(NDArray images, NDManager scope);
}
