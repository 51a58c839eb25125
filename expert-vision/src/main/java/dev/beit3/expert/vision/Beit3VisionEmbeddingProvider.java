package dev.beit3.expert.vision;

import dev.beit3.api.Api;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.spi.DeclaredEmbeddingProvider;

/**
 * The BEiT-3 vision embedding: patch convolution, cls token, mask token, and the vision position
 * table ({@code beit3.encoder.embed_positions.A}), interpolated at load when the model's image size
 * differs from the checkpoint's.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Beit3VisionEmbeddingProvider extends DeclaredEmbeddingProvider {
    /** The provider id. */
    public static final String ID = "beit3-vision";

    /** Creates the provider. */
    public Beit3VisionEmbeddingProvider() {
        super(ID, Modality.VISION, ModelFamily.BEIT3, VisionEmbedding::new);
    }
}
