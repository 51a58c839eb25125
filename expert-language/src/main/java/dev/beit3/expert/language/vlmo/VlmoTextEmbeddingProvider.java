package dev.beit3.expert.language.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;
import dev.beit3.core.vlmo.VlmoEncoders;

/**
 * VLMo's text embedding: {@code LayerNorm_1e-12(word[id] + text_embeddings.token_type_embeddings[0]
 * (+ position_embeddings[j] in models without relative position bias)) + token_type_embeddings[0]}.
 */
@Api(status = Api.Status.EXPERIMENTAL)
public final class VlmoTextEmbeddingProvider implements EmbeddingProvider {
    /** The provider id. */
    public static final String ID = VlmoEncoders.TEXT;

    /** Creates the provider. */
    public VlmoTextEmbeddingProvider() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Modality modality() {
        return Modality.LANGUAGE;
    }

    @Override
    public ModelFamily family() {
        return ModelFamily.VLMO;
    }

    @Override
    public TokenEmbedding create(EncoderConfig config, WeightSource weights) {
        return new VlmoTextEmbedding(config, weights);
    }
}
