package dev.beit3.expert.vision.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;
import dev.beit3.core.vlmo.VlmoEncoders;

/**
 * VLMo's image embedding: patch convolution, {@code transformer.cls_token} prepended, {@code
 * transformer.pos_embed} in models without relative position bias, then {@code
 * token_type_embeddings[t]} with t the input option {@value VlmoEncoders#IMAGE_TOKEN_TYPE} (default 1;
 * NLVR2's second image: 2).
 */
@Api(status = Api.Status.EXPERIMENTAL)
public final class VlmoImageEmbeddingProvider implements EmbeddingProvider {
    /** The provider id. */
    public static final String ID = VlmoEncoders.IMAGE;

    /** Creates the provider. */
    public VlmoImageEmbeddingProvider() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Modality modality() {
        return Modality.VISION;
    }

    @Override
    public ModelFamily family() {
        return ModelFamily.VLMO;
    }

    @Override
    public TokenEmbedding create(EncoderConfig config, WeightSource weights) {
        return new VlmoImageEmbedding(config, weights);
    }
}
