package dev.beit3.core.spi;

import dev.beit3.api.Api;
import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * An {@link EmbeddingProvider} whose declarations (id, modality, family) and factory are given once to the
 * constructor; the BEiT-3 and VLMo embedding providers extend it with a public no-arg constructor, as
 * {@link java.util.ServiceLoader} needs.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public abstract class DeclaredEmbeddingProvider implements EmbeddingProvider {
    private final String id;
    private final Modality modality;
    private final ModelFamily family;
    private final BiFunction<EncoderConfig, WeightSource, TokenEmbedding> factory;

    /**
     * Declares the provider.
     *
     * @param id the provider id routing and loaders use
     * @param modality the modality embedded
     * @param family the checkpoint family whose keys the embedding reads
     * @param factory builds the embedding from the configuration and the checkpoint at its root
     */
    protected DeclaredEmbeddingProvider(String id, Modality modality, ModelFamily family,
            BiFunction<EncoderConfig, WeightSource, TokenEmbedding> factory) {
        this.id = Objects.requireNonNull(id, "id");
        this.modality = Objects.requireNonNull(modality, "modality");
        this.family = Objects.requireNonNull(family, "family");
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final Modality modality() {
        return modality;
    }

    @Override
    public final ModelFamily family() {
        return family;
    }

    @Override
    public final TokenEmbedding create(EncoderConfig config, WeightSource weights) {
        return factory.apply(config, weights);
    }
}
