package dev.beit3.api;

import ai.djl.ndarray.NDArray;

/**
 * Turns the raw input of one modality into tokens of width D, and adds that modality's positions.
 *
 * <p>Shapes: B batch, Tm tokens of this modality (Nv = N + 1 for BEiT-3 vision, T for text), D width.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public interface TokenEmbedding {
    /**
     * The modality this embedding serves.
     *
     * @return the modality
     */
    Modality modality();

    /**
     * Token embeddings before positions.
     *
     * @param input the batch (reads only this modality's part)
     * @return (B, Tm, D)
     * @throws InvalidInputException when the input does not fit (wrong image size, id out of range)
     */
    NDArray embed(EncoderInput input);

    /**
     * Adds this modality's position embeddings (BEiT-3: rows 2… of its table).
     *
     * @param tokens (B, Tm, D)
     * @return (B, Tm, D)
     */
    NDArray addPositions(NDArray tokens);

    /**
     * Adds positions starting at token index {@code offset} (incremental decoding: the new tokens of
     * a step continue a sequence already in a key/value cache).
     *
     * @param tokens (B, Tm, D)
     * @param offset index of the first token within its modality's sequence
     * @return (B, Tm, D)
     * @throws UnsupportedOperationException when this embedding cannot continue a sequence
     */
    default NDArray addPositions(NDArray tokens, int offset) {
        if (offset == 0) {
            return addPositions(tokens);
        }
        throw new UnsupportedOperationException(modality() + " embedding cannot add positions at an offset");
    }

    /**
     * Where the embedding's parameters came from and what was done to them at load (e.g. position
     * interpolation 4×4 → 6×6), for the model's provenance.
     *
     * @return a one-line note, or empty
     */
    default String provenance() {
        return "";
    }
}
