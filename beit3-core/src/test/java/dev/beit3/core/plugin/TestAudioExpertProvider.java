package dev.beit3.core.plugin;

import dev.beit3.api.Expert;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.Modality;
import dev.beit3.api.WeightSource;

/** Test-only expert of a modality the library does not know, registered in the test {@code META-INF/services}. */
public class TestAudioExpertProvider implements ExpertProvider {
    @Override
    public String id() {
        return "test-audio";
    }

    @Override
    public Modality modality() {
        return Modality.of("audio");
    }

    @Override
    public Expert create(ExpertSpec spec, WeightSource weights) {
        throw new UnsupportedOperationException("test provider: builds nothing");
    }
}
