package dev.beit3.api;

import java.util.Optional;

/**
 * SPI: a kernel backend, the code that computes the model's linear layers (q/k/v, output projections, FFN,
 * heads). Found by {@link java.util.ServiceLoader} ({@code META-INF/services/dev.beit3.api.KernelProvider}) or
 * bound through Guice like the expert and head providers.
 *
 * <p>The DJL/libtorch provider ({@code "djl"}) is always there and is the reference for parity; others (e.g.
 * {@code "onednn"} from the {@code kernels-onednn} jar) say at run time whether this machine can run them
 * ({@link #unavailable}), so a jar whose native library or instruction set is missing never breaks a model: the
 * loader then falls back to {@code "djl"} and says so.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public interface KernelProvider {
    /**
     * Unique id, e.g. {@code "djl"} or {@code "onednn"}.
     *
     * @return the id
     */
    String id();

    /**
     * One-line description for listings, e.g. the native library and instruction set found.
     *
     * @return the description
     */
    default String description() {
        return id();
    }

    /**
     * Why this backend cannot compute in a precision on this machine, or empty when it can.
     *
     * @param precision the precision asked for
     * @return the reason (names what is missing), or empty
     */
    Optional<String> unavailable(Precision precision);

    /**
     * Preference when no backend is asked for: the available provider with the highest priority is the
     * default (DJL: 0). A provider measured faster than DJL on this machine returns more.
     *
     * @return the priority
     */
    default int priority() {
        return 0;
    }

    /**
     * Opens the backend for one model in one precision.
     *
     * @param precision the precision
     * @return the kernels; close them after the model
     * @throws ProviderException when {@link #unavailable} is not empty for {@code precision}
     */
    Kernels open(Precision precision);
}
