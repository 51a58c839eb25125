package dev.beit3.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.ExpertProvider;
import dev.beit3.api.Modality;
import dev.beit3.api.ProviderException;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProviderRegistry#discover()}: what {@link java.util.ServiceLoader} discovery finds and reports. */
class ProviderDiscoveryTest {
    @TempDir
    Path dir;

    @Test
    void providerListedOnlyInATestServicesFileIsDiscoveredWithNoCodeChange() {
        ProviderRegistry registry = ProviderRegistry.discover();

        assertThat(registry.expert("test-audio")).isInstanceOf(TestAudioExpertProvider.class);
        assertThat(registry.expert("test-audio").modality()).isEqualTo(Modality.of("audio"));
        assertThat(registry.head("test-probe")).isInstanceOf(TestProbeHeadProvider.class);
        assertThat(registry.embedding("test-audio")).isInstanceOf(TestAudioEmbeddingProvider.class);
        assertThat(registry.problems()).isEmpty();
    }

    @Test
    void brokenProvidersAreReportedByClassNameAndTheOthersStillLoad() throws Exception {
        try (URLClassLoader loader = ServiceFiles.loaderListing(dir, ExpertProvider.class,
                BrokenExpertProvider.class.getName(),
                "dev.beit3.core.plugin.NoSuchProvider",
                FailingInitExpertProvider.class.getName(),
                BlankIdExpertProvider.class.getName(),
                TestTextExpertProvider.class.getName())) {
            ProviderRegistry registry = ProviderRegistry.discover(loader);

            assertThat(registry.experts()).containsOnlyKeys("test-audio", "test-text");
            assertThat(registry.problems())
                    .extracting(DiscoveryProblem::provider)
                    .containsExactly(
                            BrokenExpertProvider.class.getName(),
                            "dev.beit3.core.plugin.NoSuchProvider",
                            FailingInitExpertProvider.class.getName(),
                            BlankIdExpertProvider.class.getName());
            assertThat(registry.problems()).allSatisfy(p -> {
                assertThat(p.spi()).isEqualTo("dev.beit3.api.ExpertProvider");
                assertThat(p.cause()).isNotNull();
            });
            assertThat(registry.problems().get(0).message())
                    .contains("could not be instantiated", "broken on purpose");
            assertThat(registry.problems().get(1).message()).contains("could not be loaded");
            assertThat(registry.problems().get(3).message()).contains("has no usable id");
        }
    }

    @Test
    void twoClassesClaimingOneIdFailWithAMessageNamingTheIdAndBothClasses() throws Exception {
        try (URLClassLoader loader = ServiceFiles.loaderListing(
                dir, ExpertProvider.class, AlternativeAudioExpertProvider.class.getName())) {
            assertThatThrownBy(() -> ProviderRegistry.discover(loader))
                    .isInstanceOf(ProviderException.class)
                    .hasMessageContaining("'test-audio'")
                    .hasMessageContaining(TestAudioExpertProvider.class.getName())
                    .hasMessageContaining(AlternativeAudioExpertProvider.class.getName())
                    .hasMessageContaining("-Dbeit3.provider.expert.test-audio=");
        }
    }

    @Test
    void thePropertyOfAnIdPicksOneOfTheClassesClaimingIt() throws Exception {
        try (URLClassLoader loader = ServiceFiles.loaderListing(
                dir, ExpertProvider.class, AlternativeAudioExpertProvider.class.getName())) {
            Map<String, String> properties =
                    Map.of("beit3.provider.expert.test-audio", AlternativeAudioExpertProvider.class.getName());

            ProviderRegistry registry = ProviderRegistry.discover(loader, properties::get);

            assertThat(registry.expert("test-audio")).isInstanceOf(AlternativeAudioExpertProvider.class);
        }
    }

    @Test
    void aPropertyNamingNoneOfTheClaimantsIsAnError() throws Exception {
        try (URLClassLoader loader = ServiceFiles.loaderListing(
                dir, ExpertProvider.class, AlternativeAudioExpertProvider.class.getName())) {
            Map<String, String> properties = Map.of("beit3.provider.expert.test-audio", "com.acme.Other");

            assertThatThrownBy(() -> ProviderRegistry.discover(loader, properties::get))
                    .isInstanceOf(ProviderException.class)
                    .hasMessageContaining("com.acme.Other names none of them");
        }
    }

    @Test
    void theSameClassListedTwiceIsOneProvider() throws Exception {
        try (URLClassLoader loader = ServiceFiles.loaderListing(
                dir, ExpertProvider.class, TestAudioExpertProvider.class.getName())) {
            assertThat(ProviderRegistry.discover(loader).experts()).containsOnlyKeys("test-audio");
        }
    }

    @Test
    void anUnknownIdIsAnErrorListingTheAvailableIdsAndTheMissingJar() {
        ProviderRegistry registry = ProviderRegistry.discover();

        assertThatThrownBy(() -> registry.expert("beit3-vision"))
                .isInstanceOf(ProviderException.class)
                .hasMessageStartingWith("no expert provider 'beit3-vision'; available: test-audio (audio)")
                .hasMessageContaining("is the expert-vision, expert-language or expert-vl jar");
        assertThatThrownBy(() -> registry.head("vqa"))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("no head provider 'vqa'; available: test-probe;")
                .hasMessageContaining("heads jar");
        assertThatThrownBy(() -> registry.embedding("beit3-vision"))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("available: test-audio (audio)");
    }

    @Test
    void anUnknownIdMessageAlsoNamesTheProvidersThatFailedToLoad() throws Exception {
        try (URLClassLoader loader = ServiceFiles.loaderListing(
                dir, ExpertProvider.class, BrokenExpertProvider.class.getName())) {
            ProviderRegistry registry = ProviderRegistry.discover(loader);

            assertThatThrownBy(() -> registry.expert("test-broken"))
                    .hasMessageContaining("1 expert provider(s) failed to load: " + BrokenExpertProvider.class.getName())
                    .hasMessageContaining("broken on purpose");
        }
    }

    @Test
    void findReturnsEmptyInsteadOfFailing() {
        ProviderRegistry registry = ProviderRegistry.discover();

        assertThat(registry.findExpert("nope")).isEmpty();
        assertThat(registry.findHead("nope")).isEmpty();
        assertThat(registry.findEmbedding("nope")).isEmpty();
        assertThat(registry.findExpert("test-audio")).containsInstanceOf(TestAudioExpertProvider.class);
    }

    @Test
    void theMapsAreSortedByIdAndUnmodifiable() throws Exception {
        try (URLClassLoader loader = ServiceFiles.loaderListing(
                dir, ExpertProvider.class, TestTextExpertProvider.class.getName())) {
            ProviderRegistry registry = ProviderRegistry.discover(loader);

            assertThat(registry.experts().keySet()).containsExactly("test-audio", "test-text");
            assertThatThrownBy(() -> registry.experts().remove("test-audio"))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> registry.heads().put("x", null))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> registry.problems().clear()).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void discoverReadsTheThreadContextClassLoader() throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader loader = ServiceFiles.loaderListing(
                dir, ExpertProvider.class, TestTextExpertProvider.class.getName())) {
            thread.setContextClassLoader(loader);

            assertThat(ProviderRegistry.discover().experts()).containsKey("test-text");
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Test
    void twoRegistriesFromDifferentLoadersCoexist() throws Exception {
        try (URLClassLoader loader = ServiceFiles.loaderListing(
                dir, ExpertProvider.class, TestTextExpertProvider.class.getName())) {
            ProviderRegistry wide = ProviderRegistry.discover(loader);
            ProviderRegistry narrow = ProviderRegistry.discover(ProviderDiscoveryTest.class.getClassLoader());

            assertThat(wide.experts()).containsOnlyKeys("test-audio", "test-text");
            assertThat(narrow.experts()).containsOnlyKeys("test-audio");
            assertThat(wide.expert("test-audio")).isNotSameAs(narrow.expert("test-audio"));
        }
    }

    @Test
    void describeListsEveryProviderWithItsClassAndTheProblems() throws Exception {
        try (URLClassLoader loader = ServiceFiles.loaderListing(
                dir, ExpertProvider.class, BrokenExpertProvider.class.getName())) {
            String listing = ProviderRegistry.discover(loader).describe();
            System.out.print(listing);

            assertThat(listing)
                    .contains("expert providers (1):")
                    .containsPattern("test-audio +audio +BEiT-3 +" + TestAudioExpertProvider.class.getName())
                    .contains("head providers (1):")
                    .containsPattern("test-probe +pretrained +BEiT-3 +" + TestProbeHeadProvider.class.getName())
                    .contains("embedding providers (1):")
                    .contains("problems (1):")
                    .contains("dev.beit3.api.ExpertProvider " + BrokenExpertProvider.class.getName());
        }
    }
}
