package dev.beit3.expert.vision;

import com.google.inject.AbstractModule;
import dev.beit3.api.Api;
import dev.beit3.core.plugin.PluginBinder;

/**
 * Guice module of the vision plugin: binds the BEiT-3 vision expert and embedding providers (VLMo's
 * live in beit3-vlmo). Install
 * it next to {@code Beit3CoreModule} when the jar is not discovered through {@code ServiceLoader}
 * (e.g. in a container that disables discovery); with discovery on it is harmless.
 */
@Api(status = Api.Status.STABLE)
public final class VisionExpertModule extends AbstractModule {
    /** Creates the module. */
    public VisionExpertModule() {}

    @Override
    protected void configure() {
        PluginBinder.expert(binder(), Beit3VisionExpertProvider.ID).to(Beit3VisionExpertProvider.class);
        PluginBinder.embedding(binder(), Beit3VisionEmbeddingProvider.ID).to(Beit3VisionEmbeddingProvider.class);
    }
}
