package dev.beit3.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.ProvisionException;
import com.google.inject.TypeLiteral;
import com.google.inject.util.Modules;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ProviderException;
import dev.beit3.guice.Beit3CoreModule;
import dev.beit3.guice.PluginBinder;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Beit3CoreModule} and {@link PluginBinder}: the Guice path (in beit3-core's test package, to share its
 * test providers and helpers).
 */
class Beit3CoreModuleTest {
    private static final Key<Map<String, ExpertProvider>> EXPERT_MAP =
            Key.get(new TypeLiteral<Map<String, ExpertProvider>>() {});

    @TempDir
    Path dir;

    /** A plugin's own module: binds the provider discovery also finds. */
    static final class AudioPluginModule extends AbstractModule {
        @Override
        protected void configure() {
            PluginBinder.expert(binder(), "test-audio").to(TestAudioExpertProvider.class);
        }
    }

    /** A user's module replacing the built-in {@code test-audio} expert with their own class. */
    static final class UserAudioModule extends AbstractModule {
        @Override
        protected void configure() {
            PluginBinder.expert(binder(), "test-audio").to(AlternativeAudioExpertProvider.class);
        }
    }

    private static ProviderRegistry registry(Module... modules) {
        return Guice.createInjector(modules).getInstance(ProviderRegistry.class);
    }

    @Test
    void theRegistryOfAnInjectorContainsTheDiscoveredProviders() {
        Injector injector = Guice.createInjector(new Beit3CoreModule());
        ProviderRegistry registry = injector.getInstance(ProviderRegistry.class);

        assertThat(registry.expert("test-audio")).isInstanceOf(TestAudioExpertProvider.class);
        assertThat(registry.head("test-probe")).isInstanceOf(TestProbeHeadProvider.class);
        assertThat(registry.embedding("test-audio")).isInstanceOf(TestAudioEmbeddingProvider.class);
        assertThat(injector.getInstance(EXPERT_MAP)).containsOnlyKeys("test-audio");
        assertThat(injector.getInstance(PluginBinder.expertKey("test-audio")))
                .isSameAs(registry.expert("test-audio"));
        assertThat(injector.getInstance(ProviderRegistry.class)).isSameAs(registry);
    }

    @Test
    void theGuiceRegistryHasTheSameContentAsTheBuilderAndDiscover() {
        ClassLoader loader = Beit3CoreModuleTest.class.getClassLoader();

        Contents guice = Contents.of(registry(Beit3CoreModule.discovering(loader)));

        assertThat(guice).isEqualTo(Contents.of(ProviderRegistry.builder().discovered(loader).build()));
        assertThat(guice).isEqualTo(Contents.of(ProviderRegistry.discover(loader)));
    }

    @Test
    void aUserModuleAddsAProviderThroughTheMapBinder() {
        Module user = binder -> PluginBinder.experts(binder).addBinding("test-text").to(TestTextExpertProvider.class);

        ProviderRegistry registry = registry(new Beit3CoreModule(), user);

        assertThat(registry.experts()).containsOnlyKeys("test-audio", "test-text");
        assertThat(registry.expert("test-text")).isInstanceOf(TestTextExpertProvider.class);
    }

    @Test
    void modulesOverrideReplacesADiscoveredProviderWithTheUsersClass() {
        ProviderRegistry registry = registry(Modules.override(new Beit3CoreModule()).with(new UserAudioModule()));

        assertThat(registry.expert("test-audio")).isInstanceOf(AlternativeAudioExpertProvider.class);
        assertThat(registry.experts()).hasSize(1);
    }

    @Test
    void anExplicitBindingInAPlainModuleAlsoReplacesTheDiscoveredDefault() {
        ProviderRegistry registry = registry(new Beit3CoreModule(), new UserAudioModule());

        assertThat(registry.expert("test-audio")).isInstanceOf(AlternativeAudioExpertProvider.class);
    }

    @Test
    void modulesOverrideReplacesAnotherModulesExplicitBinding() {
        Module base = Modules.combine(new Beit3CoreModule(), new AudioPluginModule());

        ProviderRegistry registry = registry(Modules.override(base).with(new UserAudioModule()));

        assertThat(registry.expert("test-audio")).isInstanceOf(AlternativeAudioExpertProvider.class);
    }

    @Test
    void aPluginModuleBindingTheDiscoveredProviderAgainIsNotADuplicate() {
        Module byInstance = binder -> PluginBinder.embedding(binder, "test-audio")
                .toInstance(new TestAudioEmbeddingProvider());

        ProviderRegistry registry = registry(new Beit3CoreModule(), new AudioPluginModule(), byInstance);

        assertThat(registry.expert("test-audio")).isInstanceOf(TestAudioExpertProvider.class);
        assertThat(registry.embedding("test-audio")).isInstanceOf(TestAudioEmbeddingProvider.class);
    }

    @Test
    void twoModulesBindingTheSameClassForOneIdAreNotADuplicate() {
        ProviderRegistry registry =
                registry(Beit3CoreModule.withoutDiscovery(), new AudioPluginModule(), new AudioPluginModule());

        assertThat(registry.expert("test-audio")).isInstanceOf(TestAudioExpertProvider.class);
    }

    @Test
    void twoModulesBindingDifferentClassesForOneIdFailAtInjectorCreation() {
        assertThatThrownBy(() -> Guice.createInjector(
                        new Beit3CoreModule(), new AudioPluginModule(), new UserAudioModule()))
                .isInstanceOf(CreationException.class)
                .hasMessageContaining("@ProviderId(\"test-audio\")")
                .hasMessageContaining("was bound multiple times")
                .hasMessageContaining("AudioPluginModule")
                .hasMessageContaining("UserAudioModule");
    }

    @Test
    void rawMapBinderEntriesCannotBeOverriddenSoPluginBinderExpertIsTheSupportedWay() {
        Module raw = binder ->
                PluginBinder.experts(binder).addBinding("test-audio").to(AlternativeAudioExpertProvider.class);

        assertThatThrownBy(() -> Guice.createInjector(Modules.override(new Beit3CoreModule()).with(raw)))
                .isInstanceOf(CreationException.class)
                .hasMessageContaining("Duplicate key \"test-audio\"");
    }

    @Test
    void withoutDiscoveryOnlyExplicitBindingsAreRegistered() {
        Module user = binder -> PluginBinder.expert(binder, "test-text").to(TestTextExpertProvider.class);

        ProviderRegistry registry = registry(Beit3CoreModule.withoutDiscovery(), user);

        assertThat(registry.experts()).containsOnlyKeys("test-text");
        assertThat(registry.heads()).isEmpty();
        assertThat(registry.embeddings()).isEmpty();
    }

    @Test
    void twoDiscoveredClassesClaimingOneIdFailInjectorCreationNamingBoth() throws Exception {
        try (URLClassLoader loader = ServiceFiles.loaderListing(
                dir, ExpertProvider.class, AlternativeAudioExpertProvider.class.getName())) {
            assertThatThrownBy(() -> Guice.createInjector(Beit3CoreModule.discovering(loader)))
                    .isInstanceOf(CreationException.class)
                    .hasMessageContaining(TestAudioExpertProvider.class.getName())
                    .hasMessageContaining(AlternativeAudioExpertProvider.class.getName())
                    .hasRootCauseInstanceOf(ProviderException.class);
        }
    }

    @Test
    void brokenProvidersBecomeProblemsOfTheInjectorsRegistry() throws Exception {
        try (URLClassLoader loader = ServiceFiles.loaderListing(
                dir, ExpertProvider.class, BrokenExpertProvider.class.getName())) {
            ProviderRegistry registry = registry(Beit3CoreModule.discovering(loader));

            assertThat(registry.experts()).containsOnlyKeys("test-audio");
            assertThat(registry.problems()).extracting(DiscoveryProblem::provider)
                    .containsExactly(BrokenExpertProvider.class.getName());
        }
    }

    @Test
    void aProviderBoundUnderAnotherIdThanItsOwnIsRefusedWithBothIds() {
        Module user = binder -> PluginBinder.expert(binder, "my-text").to(TestTextExpertProvider.class);
        Injector injector = Guice.createInjector(Beit3CoreModule.withoutDiscovery(), user);

        assertThatThrownBy(() -> injector.getInstance(ProviderRegistry.class))
                .isInstanceOf(ProvisionException.class)
                .hasRootCauseInstanceOf(ProviderException.class)
                .hasMessageContaining("bound under 'my-text' but its id() is 'test-text'");
    }

    @Test
    void installingTheCoreModuleTwiceIsHarmless() {
        ProviderRegistry registry = registry(new Beit3CoreModule(), new Beit3CoreModule());

        assertThat(registry.experts()).containsOnlyKeys("test-audio");
    }

    @Test
    void twoInjectorsOwnSeparateProviderInstances() {
        ProviderRegistry first = registry(new Beit3CoreModule());
        ProviderRegistry second = registry(new Beit3CoreModule(), new UserAudioModule());

        assertThat(first.expert("test-audio")).isInstanceOf(TestAudioExpertProvider.class);
        assertThat(second.expert("test-audio")).isInstanceOf(AlternativeAudioExpertProvider.class);
        assertThat(first.head("test-probe")).isNotSameAs(second.head("test-probe"));
    }
}
