package dev.beit3.expert.language;

import dev.beit3.api.Api;
import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Modality;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;

/**
 * The BEiT-3 text embedding: {@code beit3.text_embed} rows and the text position table
 * {@code beit3.encoder.embed_positions.B} read from row 2.
 */
@Api(status = Api.Status.STABLE)
public final class Beit3TextEmbeddingProvider implements EmbeddingProvider {
    /** The provider id. */
    public static final String ID = "beit3-language";

    /** Creates the provider. */
    public Beit3TextEmbeddingProvider() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Modality modality() {
        return Modality.LANGUAGE;
    }

    @Override
    public TokenEmbedding create(EncoderConfig config, WeightSource weights) {
        return new TextEmbedding(config, weights);
    }
}
