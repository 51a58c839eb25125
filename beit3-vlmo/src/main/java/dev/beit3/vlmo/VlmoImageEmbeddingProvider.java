package dev.beit3.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.spi.DeclaredEmbeddingProvider;

/**
 * VLMo's image embedding: patch convolution, {@code transformer.cls_token} prepended, {@code
 * transformer.pos_embed} in models without relative position bias, then {@code
 * token_type_embeddings[t]} with t the input option {@value VlmoEncoders#IMAGE_TOKEN_TYPE} (default 1;
 * NLVR2's second image: 2).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoImageEmbeddingProvider extends DeclaredEmbeddingProvider {
    /** The provider id. */
    public static final String ID = VlmoEncoders.IMAGE;

    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public VlmoImageEmbeddingProvider() {
        super(ID, Modality.VISION, ModelFamily.VLMO, VlmoImageEmbedding::new);
    }
}
