package dev.beit3.expert.vl;

import com.google.inject.AbstractModule;
import dev.beit3.api.Api;
import dev.beit3.guice.PluginBinder;

/**
 * Guice module of the vision-language plugin: binds VLMo's vision-language FFN expert and its shared
 * attention / final-norm expert. Install it next to {@code Beit3CoreModule} when discovery is off; with
 * discovery on it is harmless.
 */
@Api(status = Api.Status.EXPERIMENTAL)
public final class VisionLanguageExpertModule extends AbstractModule {
    /** Creates the module. */
    public VisionLanguageExpertModule() {}

    @Override
    protected void configure() {
        PluginBinder.expert(binder(), VlmoVisionLanguageExpertProvider.ID).to(VlmoVisionLanguageExpertProvider.class);
        PluginBinder.expert(binder(), VlmoSharedExpertProvider.ID).to(VlmoSharedExpertProvider.class);
    }
}
