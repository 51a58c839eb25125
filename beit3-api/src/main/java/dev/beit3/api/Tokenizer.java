package dev.beit3.api;

import java.util.List;

/**
 * Text to the id segments a model reads, and ids back to text. Obtained from a {@link TokenizerProvider}; holds
 * native memory in some implementations, hence {@link #close()}. Thread-safe.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public interface Tokenizer extends AutoCloseable {
    /**
     * Encodes texts as segments of one length: {@code bos + ids[:maxLength-2] + eos}, right-padded with the pad id.
     *
     * @param texts the texts
     * @param maxLength the segment length T (at least 2)
     * @return a (B, T) batch with its padding masks
     */
    TextBatch batch(List<String> texts, int maxLength);

    /**
     * Decodes ids to text; special ids are dropped.
     *
     * @param ids token ids
     * @return the text
     */
    String decode(long[] ids);

    /**
     * The ids of the special tokens.
     *
     * @return bos, pad, eos, unknown
     */
    SpecialTokens specialTokens();

    /**
     * The id of the {@code <mask>} token (masked language modelling, captioning's slots).
     *
     * @return the mask id
     */
    int maskId();

    /**
     * How many ids this tokenizer can produce; a model's text embedding needs at least as many rows.
     *
     * @return the vocabulary size
     */
    int vocabularySize();

    /**
     * The source of the vocabulary, e.g. the file it was read from.
     *
     * @return the name
     */
    String name();

    /**
     * The SHA-256 of the vocabulary file, for provenance.
     *
     * @return lower-case hex
     */
    String sha256();

    /** Frees the tokenizer's native memory, if any. Idempotent. */
    @Override
    void close();
}
