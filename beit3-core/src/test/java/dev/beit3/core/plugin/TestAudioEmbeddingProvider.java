package dev.beit3.core.plugin;

import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Modality;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;

/** Test-only embedding of the audio modality, registered in the test {@code META-INF/services}. */
public class TestAudioEmbeddingProvider implements EmbeddingProvider {
    @Override
    public String id() {
        return "test-audio";
    }

    @Override
    public Modality modality() {
        return Modality.of("audio");
    }

    @Override
    public TokenEmbedding create(EncoderConfig config, WeightSource weights) {
        throw new UnsupportedOperationException("test provider: builds nothing");
    }
}
