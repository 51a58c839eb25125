package dev.beit3.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** beit3-core builds and discovers its providers without Guice on the class path (the wiring is beit3-guice's). */
class WithoutGuiceTest {
    @Test
    void guiceIsNotOnTheCoreClassPathAndDiscoveryWorks() {
        assertThatThrownBy(() -> Class.forName("com.google.inject.AbstractModule"))
                .isInstanceOf(ClassNotFoundException.class);
        ProviderRegistry registry = ProviderRegistry.discover();
        assertThat(registry.expert("test-audio")).isInstanceOf(TestAudioExpertProvider.class);
        assertThat(registry.kernels()).containsKey("djl");
    }
}
