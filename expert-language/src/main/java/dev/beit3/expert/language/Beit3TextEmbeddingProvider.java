package dev.beit3.expert.language;

import dev.beit3.api.Api;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.spi.DeclaredEmbeddingProvider;

/**
 * The BEiT-3 text embedding: {@code beit3.text_embed} rows and the text position table
 * {@code beit3.encoder.embed_positions.B} read from row 2.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Beit3TextEmbeddingProvider extends DeclaredEmbeddingProvider {
    /** The provider id. */
    public static final String ID = "beit3-language";

    /** Creates the provider. */
    public Beit3TextEmbeddingProvider() {
        super(ID, Modality.LANGUAGE, ModelFamily.BEIT3, TextEmbedding::new);
    }
}
