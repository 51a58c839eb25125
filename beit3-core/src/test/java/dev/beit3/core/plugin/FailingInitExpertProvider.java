package dev.beit3.core.plugin;

import dev.beit3.api.Expert;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.Modality;
import dev.beit3.api.WeightSource;

/**
 * Test-only provider whose static initializer throws: {@code ExceptionInInitializerError} the first time, {@code
 * NoClassDefFoundError} afterwards.
 */
public class FailingInitExpertProvider implements ExpertProvider {
    private static final int WIDTH = fail();

    private static int fail() {
        throw new IllegalStateException("static initializer fails on purpose");
    }

    @Override
    public String id() {
        return "test-failing-init-" + WIDTH;
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
