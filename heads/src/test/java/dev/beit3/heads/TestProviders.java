package dev.beit3.heads;

import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.ExpertProvider;
import java.util.ServiceLoader;

/** Provider lookup for tests: whatever ServiceLoader finds on the test class path. */
final class TestProviders {
    private TestProviders() {}

    static ExpertProvider expert(String id) {
        return ServiceLoader.load(ExpertProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.id().equals(id)).findFirst().orElse(null);
    }

    static EmbeddingProvider embedding(String id) {
        return ServiceLoader.load(EmbeddingProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.id().equals(id)).findFirst().orElse(null);
    }
}
