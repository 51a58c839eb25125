package dev.beit3.expert.language.text;

import dev.beit3.api.Api;
import dev.beit3.api.SpecialTokens;
import dev.beit3.api.Tokenizer;
import dev.beit3.api.TokenizerProvider;
import java.io.IOException;
import java.nio.file.Path;

/**
 * BEiT-3's SentencePiece tokenizer with XLM-R ids ({@link Beit3Tokenizer}) as a discoverable provider
 * ({@value TokenizerProvider#DEFAULT_ID}).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class SentencePieceTokenizerProvider implements TokenizerProvider {
    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public SentencePieceTokenizerProvider() {}

    @Override
    public String id() {
        return DEFAULT_ID;
    }

    @Override
    public String description() {
        return "BEiT-3 SentencePiece tokenizer (.spm, XLM-R ids)";
    }

    @Override
    public SpecialTokens specialTokens() {
        return Beit3Tokenizer.SPECIAL_TOKENS;
    }

    @Override
    public Tokenizer load(Path file) throws IOException {
        return Beit3Tokenizer.load(file);
    }
}
