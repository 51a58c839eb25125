package dev.beit3.cli;

import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.ImagePreprocessorProvider;
import dev.beit3.api.Tokenizer;
import dev.beit3.api.TokenizerProvider;
import dev.beit3.core.plugin.ProviderRegistry;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The image preprocessing and tokenizer of the commands that run without a loaded model (the ONNX engine, scratch
 * specs), found through the same discovery a model uses, so a missing jar is the same ProviderException.
 */
final class Preprocessors {
    private Preprocessors() {}

    /** @return the reference image preprocessing */
    static ImagePreprocessor images() {
        return ProviderRegistry.discover().imagePreprocessor(ImagePreprocessorProvider.DEFAULT_ID).preprocessor();
    }

    /**
     * Loads the BEiT-3 tokenizer.
     *
     * @param spm the SentencePiece file
     * @return the tokenizer; close it
     * @throws IOException if the file cannot be read
     */
    static Tokenizer tokenizer(Path spm) throws IOException {
        return ProviderRegistry.discover().tokenizer(TokenizerProvider.DEFAULT_ID).load(spm);
    }
}
