package dev.beit3.guice;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import com.google.inject.Guice;
import com.google.inject.Module;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.Kernels;
import dev.beit3.api.LinearKernel;
import dev.beit3.api.Precision;
import dev.beit3.core.kernels.KernelSelection;
import dev.beit3.core.plugin.ProviderRegistry;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A kernel backend bound through Guice is chosen like a discovered one (moved from beit3-core's KernelSelectionTest). */
class KernelBindingTest {

    /** A backend that computes everything, with a priority. */
    private record Fake(String id, boolean works, int priority) implements KernelProvider {
        @Override
        public Optional<String> unavailable(Precision precision) {
            return works ? Optional.empty() : Optional.of("libfake.so is not installed");
        }

        @Override
        public Kernels open(Precision precision) {
            return new Kernels() {
                @Override
                public String id() {
                    return Fake.this.id;
                }

                @Override
                public Precision precision() {
                    return precision;
                }

                @Override
                public LinearKernel linear(NDArray weight, NDArray bias, Epilogue epilogue) {
                    throw new UnsupportedOperationException();
                }
            };
        }
    }

    @Test
    void aBackendBoundThroughGuiceIsChosenAndDjlStaysAvailable() {
        Module user = binder -> PluginBinder.kernels(binder).addBinding("fast").toInstance(new Fake("fast", true, 10));
        ProviderRegistry reg = Guice.createInjector(Beit3CoreModule.withoutDiscovery(), user)
                .getInstance(ProviderRegistry.class);
        assertThat(reg.kernels()).containsKeys("fast", "djl");
        assertThat(KernelSelection.choose(reg, "auto", Precision.FP32).kernels().id()).isEqualTo("fast");
    }
}
