package dev.beit3.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Incremental decoding on an {@link Encoder}: the session owns the keys and values of every token it has seen
 * (per layer), so each step computes only its new tokens (the reference captioner's {@code incremental_state}).
 * Obtained from {@link Encoder#startDecoding}; {@link #start} feeds the image and the first text tokens, then
 * each {@link #step} feeds new text tokens, which continue the text's positions.
 *
 * <p>Shapes: R rows (images × beams), Tc cached tokens, Tn new tokens, D width. No padding is supported. An
 * attention mask, if any, is (Tn, Tc + Tn) or (R, Tn, Tc + Tn) over [cached tokens, new tokens]. The cached
 * arrays live in the session's own manager, released by {@link #close()}; not thread-safe (one decoding owns
 * one session).
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public interface DecodingSession extends AutoCloseable {
    /**
     * Feeds the prompt: the image and/or the first text tokens.
     *
     * @param prompt image (R, 3, S, S) and/or text ids (R, Tn); its attention mask, if any, over the prompt
     * @param scope receives the output
     * @return the prompt tokens' output (R, Tn, D) after the final norm; no hidden states
     * @throws IllegalStateException when the session has already started
     */
    EncoderOutput start(EncoderInput prompt, NDManager scope);

    /**
     * Feeds new text tokens after the cached ones.
     *
     * @param textIds (R, Tn) int64
     * @param attentionMask (Tn, Tc + Tn) or (R, Tn, Tc + Tn) additive mask, or null
     * @param scope receives the output
     * @return the new tokens' output (R, Tn, D) after the final norm; no hidden states
     * @throws IllegalStateException before {@link #start}
     */
    EncoderOutput step(NDArray textIds, NDArray attentionMask, NDManager scope);

    /**
     * Cached tokens Tc (image and text; 0 before the start).
     *
     * @return the length
     */
    long length();

    /**
     * Text tokens cached: the position the next new text token takes.
     *
     * @return the text length
     */
    int textLength();

    /**
     * Forgets the last {@code n} cached text tokens (the reference drops the mask slot after every step).
     *
     * @param n tokens to drop, at most {@link #textLength()}
     */
    void dropLast(int n);

    /**
     * Re-orders the cached rows (beam search keeps some beams and duplicates others).
     *
     * @param rows for each new row, the old row it copies
     */
    void reorder(long[] rows);

    /** Releases the cached arrays. */
    @Override
    void close();
}
