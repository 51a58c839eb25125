package dev.beit3.heads;

import com.google.inject.AbstractModule;
import dev.beit3.api.Api;
import dev.beit3.core.plugin.PluginBinder;
import dev.beit3.heads.vlmo.VlmoItcHeadProvider;
import dev.beit3.heads.vlmo.VlmoItmHeadProvider;
import dev.beit3.heads.vlmo.VlmoMlmHeadProvider;
import dev.beit3.heads.vlmo.VlmoNlvr2HeadProvider;
import dev.beit3.heads.vlmo.VlmoVqaHeadProvider;

/**
 * Guice module of the heads plugin: binds the five built-in BEiT-3 task heads and the VLMo heads
 * (ITC, ITM, MLM, VQA, NLVR2). Install it next to
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
        PluginBinder.head(binder(), VlmoItcHeadProvider.ID).to(VlmoItcHeadProvider.class);
        PluginBinder.head(binder(), VlmoItmHeadProvider.ID).to(VlmoItmHeadProvider.class);
        PluginBinder.head(binder(), VlmoMlmHeadProvider.ID).to(VlmoMlmHeadProvider.class);
        PluginBinder.head(binder(), VlmoVqaHeadProvider.ID).to(VlmoVqaHeadProvider.class);
        PluginBinder.head(binder(), VlmoNlvr2HeadProvider.ID).to(VlmoNlvr2HeadProvider.class);
    }
}
