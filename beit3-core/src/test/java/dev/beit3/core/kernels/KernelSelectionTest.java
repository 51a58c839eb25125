package dev.beit3.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.Precision;
import dev.beit3.core.testing.FakeKernelProvider;
import dev.beit3.core.plugin.ProviderRegistry;
import org.junit.jupiter.api.Test;

/** How a backend is chosen: asked for, fallen back from with the reason, or refused for reduced precision. */
class KernelSelectionTest {

    private static ProviderRegistry registry(KernelProvider... extra) {
        ProviderRegistry.Builder b = ProviderRegistry.builder();
        for (KernelProvider p : extra) {
            b.kernel(p);
        }
        return b.build();
    }

    @Test
    void djlIsAlwaysThereAndIsTheDefaultWhenNothingFasterRuns() {
        KernelSelection.Choice c = KernelSelection.choose(registry(new FakeKernelProvider("fast", false, 10)), "auto", Precision.FP32);
        assertThat(c.kernels().id()).isEqualTo("djl");
        assertThat(c.describe()).contains("default").contains("fast: libfake.so is not installed");
    }

    @Test
    void theAvailableBackendOfHighestPriorityIsTheDefault() {
        KernelSelection.Choice c = KernelSelection.choose(registry(new FakeKernelProvider("fast", true, 10), new FakeKernelProvider("slow", true, 5)),
                "auto", Precision.FP32);
        assertThat(c.kernels().id()).isEqualTo("fast");
    }

    @Test
    void anAvailableBackendBelowDjlIsNotTheDefaultButTheChoiceNamesIt() {
        // oneDNN on an AVX2-only CPU: it runs, but measured no faster than DJL there, so its priority is below 0
        KernelSelection.Choice c = KernelSelection.choose(registry(new FakeKernelProvider("onednn-like", true, -1)), "auto",
                Precision.FP32);
        assertThat(c.kernels().id()).isEqualTo("djl");
        assertThat(c.describe()).contains("default").contains("also available")
                .contains("onednn-like (priority -1 on this machine)");
        assertThat(KernelSelection.choose(registry(new FakeKernelProvider("onednn-like", true, -1)), "onednn-like", Precision.FP32)
                .kernels().id()).isEqualTo("onednn-like");
    }

    @Test
    void anUnavailableBackendAskedForInFp32FallsBackToDjlAndSaysWhy() {
        KernelSelection.Choice c = KernelSelection.choose(registry(new FakeKernelProvider("fast", false, 10)), "fast", Precision.FP32);
        assertThat(c.kernels().id()).isEqualTo("djl");
        assertThat(c.reason()).contains("fallback").contains("fast").contains("libfake.so is not installed");
    }

    @Test
    void reducedPrecisionThatNoBackendComputesIsRefusedWithTheReason() {
        assertThatThrownBy(() -> KernelSelection.choose(registry(new FakeKernelProvider("fast", false, 10)), "auto", Precision.BF16))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("bf16")
                .hasMessageContaining("libfake.so is not installed")
                .hasMessageContaining("djl");
        assertThatThrownBy(() -> KernelSelection.choose(registry(new FakeKernelProvider("fast", false, 10)), "fast", Precision.INT8))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("int8");
    }

    @Test
    void anUnknownIdListsTheAvailableOnes() {
        assertThatThrownBy(() -> KernelSelection.choose(registry(), "onednn", Precision.FP32))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("available: djl")
                .hasMessageContaining("kernels-onednn");
    }

    @Test
    void theReferenceBackendIsDiscoveredByServiceLoader() {
        assertThat(ProviderRegistry.discover().kernels().get("djl")).isInstanceOf(DjlKernelProvider.class);
    }

    @Test
    void precisionNamesParse() {
        assertThat(Precision.parse("BF16")).isEqualTo(Precision.BF16);
        assertThat(Precision.parse("float32")).isEqualTo(Precision.FP32);
        assertThatThrownBy(() -> Precision.parse("fp8")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("fp32, bf16 or int8");
    }
}
