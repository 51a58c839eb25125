package dev.beit3.api;

import java.io.IOException;
import java.nio.file.Path;

/**
 * SPI: loads {@link Tokenizer}s from vocabulary files. Found by {@link java.util.ServiceLoader} (register the class
 * in {@code META-INF/services/dev.beit3.api.TokenizerProvider}); the model facade takes the one with id
 * {@link #DEFAULT_ID} unless told otherwise, so the model needs no compile-time dependency on the language jar.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public interface TokenizerProvider {
    /** The id of BEiT-3's SentencePiece tokenizer (XLM-R ids), in the expert-language jar. */
    String DEFAULT_ID = "beit3-sentencepiece";

    /**
     * Unique id, e.g. {@value #DEFAULT_ID}.
     *
     * @return the id
     */
    String id();

    /**
     * One-line human description for listings.
     *
     * @return the description
     */
    default String description() {
        return id();
    }

    /**
     * The special ids every tokenizer of this provider uses, known without a vocabulary file.
     *
     * @return the ids
     */
    SpecialTokens specialTokens();

    /**
     * Loads a tokenizer.
     *
     * @param file the vocabulary file (e.g. {@code beit3.spm})
     * @return the tokenizer; close it
     * @throws IOException if the file cannot be read
     * @throws InvalidInputException if the file is not a vocabulary of this provider's kind
     */
    Tokenizer load(Path file) throws IOException;
}
