package dev.beit3.core.kernels;

import ai.djl.ndarray.NDArray;
import dev.beit3.api.Api;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.Kernels;
import dev.beit3.api.LinearKernel;
import dev.beit3.api.Precision;
import dev.beit3.core.nn.LinearWeights;
import java.util.Optional;

/**
 * The reference kernel backend, {@code "djl"}: PyTorch's {@code linear} through DJL on the model's own arrays,
 * exactly the computation of a model built without a backend. Always available, float32 only (DJL 0.36 cannot
 * make bfloat16 arrays: {@code toType(BFLOAT16)} aborts the JVM).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class DjlKernelProvider implements KernelProvider {
    /** The id. */
    public static final String ID = "djl";

    /** For {@link java.util.ServiceLoader}. */
    public DjlKernelProvider() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "DJL/libtorch (PyTorch linear, MKL inside), fp32; the parity reference";
    }

    @Override
    public Optional<String> unavailable(Precision precision) {
        return precision == Precision.FP32 ? Optional.empty()
                : Optional.of("the djl backend computes in fp32 only (DJL 0.36 cannot create bfloat16 or int8 matrix"
                        + " products); use --kernels onednn (the kernels-onednn jar) for " + precision.id());
    }

    @Override
    public Kernels open(Precision precision) {
        unavailable(precision).ifPresent(r -> {
            throw new dev.beit3.api.ProviderException(r);
        });
        return INSTANCE;
    }

    private static final Kernels INSTANCE = new Kernels() {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public Precision precision() {
            return Precision.FP32;
        }

        @Override
        public boolean usesModelArrays() {
            return true;
        }

        @Override
        public LinearKernel linear(NDArray weight, NDArray bias, Epilogue epilogue) {
            return x -> LinearWeights.applyDjl(x, weight, bias, epilogue);
        }
    };
}
