package dev.beit3.core.plugin;

import dev.beit3.api.Expert;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.Modality;
import dev.beit3.api.WeightSource;

/** Test-only expert that no default services file lists: added explicitly or through a test class loader. */
public class TestTextExpertProvider implements ExpertProvider {
    @Override
    public String id() {
        return "test-text";
    }

    @Override
    public Modality modality() {
        return Modality.LANGUAGE;
    }

    @Override
    public Expert create(ExpertSpec spec, WeightSource weights) {
        throw new UnsupportedOperationException("test provider: builds nothing");
    }
}
