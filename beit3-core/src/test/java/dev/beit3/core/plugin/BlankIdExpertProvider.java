package dev.beit3.core.plugin;

import dev.beit3.api.Expert;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.Modality;
import dev.beit3.api.WeightSource;

/** Test-only provider with an unusable id. */
public class BlankIdExpertProvider implements ExpertProvider {
    @Override
    public String id() {
        return " ";
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
