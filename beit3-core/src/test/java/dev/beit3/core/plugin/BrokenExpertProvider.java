package dev.beit3.core.plugin;

import dev.beit3.api.Expert;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.Modality;
import dev.beit3.api.WeightSource;

/** Test-only provider whose constructor throws, as one with a missing native library would. */
public class BrokenExpertProvider implements ExpertProvider {
    /** Always fails. */
    public BrokenExpertProvider() {
        throw new IllegalStateException("broken on purpose");
    }

    @Override
    public String id() {
        return "test-broken";
    }

    @Override
    public Modality modality() {
        return Modality.VISION;
    }

    @Override
    public Expert create(ExpertSpec spec, WeightSource weights) {
        throw new UnsupportedOperationException("test provider: builds nothing");
    }
}
