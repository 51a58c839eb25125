package dev.beit3.core.plugin;

import dev.beit3.api.HeadProvider;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.TaskHead;
import dev.beit3.api.WeightSource;

/** Test-only linear-probe head, registered in the test {@code META-INF/services}. */
public class TestProbeHeadProvider implements HeadProvider {
    @Override
    public String id() {
        return "test-probe";
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource weights) {
        throw new UnsupportedOperationException("test provider: builds nothing");
    }
}
