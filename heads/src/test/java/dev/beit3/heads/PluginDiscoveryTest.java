package dev.beit3.heads;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.util.Modules;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.TaskHead;
import dev.beit3.api.WeightSource;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.expert.language.Beit3LanguageExpertProvider;
import dev.beit3.expert.language.Beit3TextEmbeddingProvider;
import dev.beit3.expert.vision.Beit3VisionEmbeddingProvider;
import dev.beit3.expert.vision.Beit3VisionExpertProvider;
import dev.beit3.guice.Beit3CoreModule;
import dev.beit3.guice.PluginBinder;
import org.junit.jupiter.api.Test;

/** The real plugin jars are found by ServiceLoader and wired by Guice. */
class PluginDiscoveryTest {
    /**
     * What a container with discovery off binds itself: the built-in BEiT-3 providers through {@link PluginBinder}
     * (the plugin jars carry no Guice module; their {@code META-INF/services} entries are what discovery binds).
     */
    static final class BuiltInsModule extends AbstractModule {
        @Override
        protected void configure() {
            PluginBinder.expert(binder(), Beit3VisionExpertProvider.ID).to(Beit3VisionExpertProvider.class);
            PluginBinder.embedding(binder(), Beit3VisionEmbeddingProvider.ID).to(Beit3VisionEmbeddingProvider.class);
            PluginBinder.expert(binder(), Beit3LanguageExpertProvider.ID).to(Beit3LanguageExpertProvider.class);
            PluginBinder.embedding(binder(), Beit3TextEmbeddingProvider.ID).to(Beit3TextEmbeddingProvider.class);
            PluginBinder.head(binder(), ImageClassificationHeadProvider.ID).to(ImageClassificationHeadProvider.class);
            PluginBinder.head(binder(), RetrievalHeadProvider.ID).to(RetrievalHeadProvider.class);
            PluginBinder.head(binder(), VqaHeadProvider.ID).to(VqaHeadProvider.class);
            PluginBinder.head(binder(), Nlvr2HeadProvider.ID).to(Nlvr2HeadProvider.class);
            PluginBinder.head(binder(), CaptioningHeadProvider.ID).to(CaptioningHeadProvider.class);
        }
    }

    @Test
    void serviceLoaderFindsTheBuiltInExpertsEmbeddingsAndHeads() {
        ProviderRegistry reg = ProviderRegistry.discover();
        assertThat(reg.experts()).containsKeys("beit3-vision", "beit3-language", "vlmo-vl");
        assertThat(reg.embeddings()).containsKeys("beit3-vision", "beit3-language");
        assertThat(reg.heads()).containsKeys("imageclassification", "retrieval", "vqa", "nlvr2", "captioning");
        assertThat(reg.problems()).isEmpty();
    }

    @Test
    void guiceWithDiscoveryAndExplicitBindingsGivesTheSameProviders() {
        ProviderRegistry reg = Guice.createInjector(new Beit3CoreModule(), new BuiltInsModule())
                .getInstance(ProviderRegistry.class);
        assertThat(reg.experts().keySet()).containsAll(ProviderRegistry.discover().experts().keySet());
        assertThat(reg.heads().keySet()).containsAll(ProviderRegistry.discover().heads().keySet());
    }

    @Test
    void explicitBindingsAloneWireEverythingWithoutDiscovery() {
        ProviderRegistry reg = Guice.createInjector(Beit3CoreModule.withoutDiscovery(), new BuiltInsModule())
                .getInstance(ProviderRegistry.class);
        assertThat(reg.experts()).containsKeys("beit3-vision", "beit3-language");
        assertThat(reg.heads()).containsKeys("imageclassification", "retrieval", "vqa", "nlvr2", "captioning");
    }

    /** A user's replacement of the built-in VQA head: delegates, but is a different class. */
    static final class MyVqaHead implements dev.beit3.api.HeadProvider {
        private final VqaHeadProvider delegate = new VqaHeadProvider();

        @Override
        public String id() {
            return VqaHeadProvider.ID;
        }

        @Override
        public TaskHead create(HeadSpec spec, WeightSource weights) {
            return delegate.create(spec, weights);
        }
    }

    @Test
    void aGuiceOverrideReplacesABuiltInHead() {
        ProviderRegistry reg = Guice.createInjector(Modules.override(new Beit3CoreModule(), new BuiltInsModule())
                .with(new AbstractModule() {
                    @Override
                    protected void configure() {
                        PluginBinder.head(binder(), VqaHeadProvider.ID).to(MyVqaHead.class);
                    }
                })).getInstance(ProviderRegistry.class);
        assertThat(reg.head("vqa")).isInstanceOf(MyVqaHead.class);
        assertThat(reg.head("nlvr2")).isInstanceOf(Nlvr2HeadProvider.class);
    }
}
