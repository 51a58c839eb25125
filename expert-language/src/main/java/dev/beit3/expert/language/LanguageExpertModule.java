package dev.beit3.expert.language;

import com.google.inject.AbstractModule;
import dev.beit3.api.Api;
import dev.beit3.core.plugin.PluginBinder;

/**
 * Guice module of the language plugin: binds the BEiT-3 language expert and text embedding providers
 * (VLMo's live in beit3-vlmo).
 * Install it next to {@code Beit3CoreModule} when discovery is off; with discovery on it is harmless.
 */
@Api(status = Api.Status.STABLE)
public final class LanguageExpertModule extends AbstractModule {
    /** Creates the module. */
    public LanguageExpertModule() {}

    @Override
    protected void configure() {
        PluginBinder.expert(binder(), Beit3LanguageExpertProvider.ID).to(Beit3LanguageExpertProvider.class);
        PluginBinder.embedding(binder(), Beit3TextEmbeddingProvider.ID).to(Beit3TextEmbeddingProvider.class);
    }
}
