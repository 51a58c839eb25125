package dev.beit3.kernels.onednn;

import dev.beit3.api.Api;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.Kernels;
import dev.beit3.api.Precision;
import dev.beit3.api.ProviderException;
import java.util.Optional;

/**
 * The {@code "onednn"} kernel backend: oneDNN 3.8 matmul primitives in fp32, bf16 (AVX512_BF16 or AMX) and int8
 * (VNNI). Available when the native library loads and oneDNN has an optimised (non-reference) matmul for the
 * precision on this CPU; then it is the default in fp32 (priority 10 over DJL's 0).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class OneDnnKernelProvider implements KernelProvider {
    /** The id. */
    public static final String ID = "onednn";

    /** For {@link java.util.ServiceLoader}. */
    public OneDnnKernelProvider() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return OneDnn.get().map(l -> "oneDNN " + version() + " matmul primitives, " + l.isa + "; fp32 "
                + l.implementation(Precision.FP32) + ", bf16 " + l.implementation(Precision.BF16) + ", int8 "
                + l.implementation(Precision.INT8)).orElseGet(OneDnn::loadError);
    }

    @Override
    public Optional<String> unavailable(Precision precision) {
        Optional<OneDnn> lib = OneDnn.get();
        return lib.isEmpty() ? Optional.of(OneDnn.loadError()) : lib.get().unavailable(precision);
    }

    /**
     * Above DJL (0) wherever oneDNN computes fp32 with an optimised kernel: measured with {@code beit3 bench} on a
     * quiet machine, oneDNN fp32 was 1.3-1.6x DJL/libtorch on an AVX-512 Zen 5 and, on an AVX2-only Zen 3, 1.11-1.14x
     * on the batched workloads and 0.97x at vision 224 batch 1 (README, Performance).
     *
     * @return 10, or -1 when the library does not load here
     */
    @Override
    public int priority() {
        return unavailable(Precision.FP32).isEmpty() ? 10 : -1;
    }

    @Override
    public Kernels open(Precision precision) {
        unavailable(precision).ifPresent(r -> {
            throw new ProviderException("onednn cannot compute in " + precision.id() + ": " + r);
        });
        return new OneDnnKernels(OneDnn.get().orElseThrow(), precision);
    }

    /** @return the oneDNN version, e.g. {@code 3.8.1} */
    static String version() {
        org.bytedeco.dnnl.dnnl_version_t v = org.bytedeco.dnnl.global.dnnl.dnnl_version();
        return v.major() + "." + v.minor() + "." + v.patch();
    }
}
