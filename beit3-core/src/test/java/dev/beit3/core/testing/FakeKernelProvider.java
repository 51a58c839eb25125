package dev.beit3.core.testing;

import ai.djl.ndarray.NDArray;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.Kernels;
import dev.beit3.api.LinearKernel;
import dev.beit3.api.Precision;
import java.util.Optional;

/**
 * A kernel backend for selection tests: one whose native library is "missing" ({@code works} false), or one that
 * says it computes every precision, with a priority. Its kernels cannot multiply: selection never asks them to.
 *
 * @param id the backend id
 * @param works whether it reports itself available
 * @param priority its priority for {@code auto}
 */
public record FakeKernelProvider(String id, boolean works, int priority) implements KernelProvider {
    @Override
    public Optional<String> unavailable(Precision precision) {
        return works ? Optional.empty() : Optional.of("libfake.so is not installed");
    }

    @Override
    public Kernels open(Precision precision) {
        return new Kernels() {
            @Override
            public String id() {
                return FakeKernelProvider.this.id;
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
