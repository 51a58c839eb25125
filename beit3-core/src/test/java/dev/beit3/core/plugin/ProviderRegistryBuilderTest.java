package dev.beit3.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.ProviderException;
import org.junit.jupiter.api.Test;

/** {@link ProviderRegistry.Builder}: the plain-Java path for users without Guice. */
class ProviderRegistryBuilderTest {
    private static final ClassLoader TEST_LOADER = ProviderRegistryBuilderTest.class.getClassLoader();

    @Test
    void discoveredAloneGivesTheSameContentAsDiscover() {
        ProviderRegistry built = ProviderRegistry.builder().discovered(TEST_LOADER).build();
        ProviderRegistry discovered = ProviderRegistry.discover(TEST_LOADER);

        assertThat(Contents.of(built)).isEqualTo(Contents.of(discovered));
    }

    @Test
    void explicitProvidersAreAddedUnderTheirIds() {
        TestTextExpertProvider text = new TestTextExpertProvider();

        ProviderRegistry registry = ProviderRegistry.builder()
                .expert(text)
                .head(new TestProbeHeadProvider())
                .embedding(new TestAudioEmbeddingProvider())
                .build();

        assertThat(registry.expert("test-text")).isSameAs(text);
        assertThat(registry.heads()).containsOnlyKeys("test-probe");
        assertThat(registry.embeddings()).containsOnlyKeys("test-audio");
        assertThat(registry.problems()).isEmpty();
    }

    @Test
    void theDiscoveredClassAddedAgainExplicitlyIsOneProviderAndTheExplicitInstanceIsKept() {
        TestAudioExpertProvider mine = new TestAudioExpertProvider();

        ProviderRegistry registry = ProviderRegistry.builder().expert(mine).discovered(TEST_LOADER).build();

        assertThat(registry.experts()).containsOnlyKeys("test-audio");
        assertThat(registry.expert("test-audio")).isSameAs(mine);
    }

    @Test
    void anotherClassAddedExplicitlyForADiscoveredIdIsAnErrorThatSuggestsReplace() {
        ProviderRegistry.Builder builder =
                ProviderRegistry.builder().discovered(TEST_LOADER).expert(new AlternativeAudioExpertProvider());

        assertThatThrownBy(builder::build)
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("'test-audio'")
                .hasMessageContaining(AlternativeAudioExpertProvider.class.getName())
                .hasMessageContaining(TestAudioExpertProvider.class.getName())
                .hasMessageContaining("replaceExpert(...)");
    }

    @Test
    void twoClassesAddedExplicitlyUnderOneIdAreAnErrorNamingBoth() {
        ProviderRegistry.Builder builder = ProviderRegistry.builder().expert(new TestAudioExpertProvider());

        assertThatThrownBy(() -> builder.expert(new AlternativeAudioExpertProvider()))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("'test-audio'")
                .hasMessageContaining(TestAudioExpertProvider.class.getName())
                .hasMessageContaining(AlternativeAudioExpertProvider.class.getName());
    }

    @Test
    void aReplacementOverridesTheDiscoveredProviderWhateverTheOrderOfCalls() {
        ProviderRegistry replaceFirst = ProviderRegistry.builder()
                .replaceExpert(new AlternativeAudioExpertProvider())
                .discovered(TEST_LOADER)
                .build();
        ProviderRegistry replaceLast = ProviderRegistry.builder()
                .discovered(TEST_LOADER)
                .replaceExpert(new AlternativeAudioExpertProvider())
                .build();

        assertThat(replaceFirst.expert("test-audio")).isInstanceOf(AlternativeAudioExpertProvider.class);
        assertThat(replaceLast.expert("test-audio")).isInstanceOf(AlternativeAudioExpertProvider.class);
    }

    @Test
    void aReplacementAlsoOverridesAnExplicitProvider() {
        ProviderRegistry registry = ProviderRegistry.builder()
                .expert(new TestAudioExpertProvider())
                .replaceExpert(new AlternativeAudioExpertProvider())
                .build();

        assertThat(registry.expert("test-audio")).isInstanceOf(AlternativeAudioExpertProvider.class);
    }

    @Test
    void replaceHeadAndReplaceEmbeddingOverrideTheirDiscoveredProviders() {
        TestProbeHeadProvider head = new TestProbeHeadProvider();
        TestAudioEmbeddingProvider embedding = new TestAudioEmbeddingProvider();

        ProviderRegistry registry = ProviderRegistry.builder()
                .discovered(TEST_LOADER)
                .replaceHead(head)
                .replaceEmbedding(embedding)
                .build();

        assertThat(registry.head("test-probe")).isSameAs(head);
        assertThat(registry.embedding("test-audio")).isSameAs(embedding);
    }

    @Test
    void aProviderWithABlankIdIsRefused() {
        assertThatThrownBy(() -> ProviderRegistry.builder().expert(new BlankIdExpertProvider()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(BlankIdExpertProvider.class.getName())
                .hasMessageContaining("non-blank");
    }

    @Test
    void builtRegistriesAreIndependentOfTheBuilderAndOfEachOther() {
        ProviderRegistry.Builder builder = ProviderRegistry.builder().expert(new TestAudioExpertProvider());
        ProviderRegistry first = builder.build();
        builder.expert(new TestTextExpertProvider());
        ProviderRegistry second = builder.build();

        assertThat(first.experts()).containsOnlyKeys("test-audio");
        assertThat(second.experts()).containsOnlyKeys("test-audio", "test-text");
    }
}
