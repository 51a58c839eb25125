package dev.beit3.api;

/**
 * SPI: builds the {@link TokenEmbedding} of one modality. Found by {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.beit3.api.EmbeddingProvider}) or bound through Guice.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public interface EmbeddingProvider {
    /**
     * Unique id, e.g. {@code "beit3-vision"}.
     *
     * @return the id
     */
    String id();

    /**
     * The modality embedded.
     *
     * @return the modality
     */
    Modality modality();

    /**
     * The checkpoint family whose keys {@link #create} reads.
     *
     * @return the family
     */
    default ModelFamily family() {
        return ModelFamily.BEIT3;
    }

    /**
     * Builds the embedding.
     *
     * @param config encoder configuration (the model's image size decides position interpolation)
     * @param weights the checkpoint at its root
     * @return the embedding
     */
    TokenEmbedding create(EncoderConfig config, WeightSource weights);
}
