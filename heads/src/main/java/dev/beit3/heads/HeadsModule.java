package dev.beit3.heads;

import com.google.inject.AbstractModule;
import dev.beit3.api.Api;
import dev.beit3.core.plugin.PluginBinder;

/**
 * Guice module of the heads plugin: binds the five built-in BEiT-3 task heads (the VLMo heads live in
 * beit3-vlmo). Install it next to
 * {@code Beit3CoreModule} when discovery is off; with discovery on it is harmless.
 */
@Api(status = Api.Status.STABLE)
public final class HeadsModule extends AbstractModule {
    /** Creates the module. */
    public HeadsModule() {}

    @Override
    protected void configure() {
        PluginBinder.head(binder(), ImageClassificationHeadProvider.ID).to(ImageClassificationHeadProvider.class);
        PluginBinder.head(binder(), RetrievalHeadProvider.ID).to(RetrievalHeadProvider.class);
        PluginBinder.head(binder(), VqaHeadProvider.ID).to(VqaHeadProvider.class);
        PluginBinder.head(binder(), Nlvr2HeadProvider.ID).to(Nlvr2HeadProvider.class);
        PluginBinder.head(binder(), CaptioningHeadProvider.ID).to(CaptioningHeadProvider.class);
    }
}
