package dev.beit3.guice;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Module;
import dev.beit3.api.Precision;
import dev.beit3.core.testing.FakeKernelProvider;
import dev.beit3.core.kernels.KernelSelection;
import dev.beit3.core.plugin.ProviderRegistry;
import org.junit.jupiter.api.Test;

/** A kernel backend bound through Guice is chosen like a discovered one (moved from beit3-core's KernelSelectionTest). */
class KernelBindingTest {

    @Test
    void aBackendBoundThroughGuiceIsChosenAndDjlStaysAvailable() {
        Module user = binder -> PluginBinder.kernels(binder).addBinding("fast").toInstance(new FakeKernelProvider("fast", true, 10));
        ProviderRegistry reg = Guice.createInjector(Beit3CoreModule.withoutDiscovery(), user)
                .getInstance(ProviderRegistry.class);
        assertThat(reg.kernels()).containsKeys("fast", "djl");
        assertThat(KernelSelection.choose(reg, "auto", Precision.FP32).kernels().id()).isEqualTo("fast");
    }
}
