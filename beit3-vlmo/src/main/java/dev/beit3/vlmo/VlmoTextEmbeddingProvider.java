package dev.beit3.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.spi.DeclaredEmbeddingProvider;

/**
 * VLMo's text embedding: {@code LayerNorm_1e-12(word[id] + text_embeddings.token_type_embeddings[0]
 * (+ position_embeddings[j] in models without relative position bias)) + token_type_embeddings[0]}.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoTextEmbeddingProvider extends DeclaredEmbeddingProvider {
    /** The provider id. */
    public static final String ID = VlmoEncoders.TEXT;

    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public VlmoTextEmbeddingProvider() {
        super(ID, Modality.LANGUAGE, ModelFamily.VLMO, VlmoTextEmbedding::new);
    }
}
