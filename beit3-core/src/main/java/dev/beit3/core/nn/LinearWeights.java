package dev.beit3.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.Kernels;
import dev.beit3.api.Kernels.Epilogue;
import dev.beit3.api.LinearKernel;
import dev.beit3.api.WeightSource;
import java.util.Objects;

/**
 * The parameters of a linear map y = epilogue(x·Wᵀ + b), stored as PyTorch stores them (W: out × in), and the
 * kernel backend's prepared form of it when the weight source names one ({@link WeightSource#kernels()}).
 *
 * @param weight (out, in), or null when a backend keeps its own copy ({@link Kernels#usesModelArrays()} false)
 * @param bias (out), or null for a bias-free projection (or when a backend keeps its own copy)
 * @param kernel the backend's prepared layer, or null to compute with DJL on {@code weight}
 * @param epilogue applied after the bias
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public record LinearWeights(NDArray weight, NDArray bias, LinearKernel kernel, Epilogue epilogue) {

    /** Checks the components. */
    public LinearWeights {
        Objects.requireNonNull(epilogue, "epilogue");
        if (weight == null && kernel == null) {
            throw new IllegalArgumentException("a linear layer needs its weight or a prepared kernel");
        }
    }

    /**
     * A plain DJL linear map on these arrays (no backend, no epilogue).
     *
     * @param weight (out, in)
     * @param bias (out) or null
     */
    public LinearWeights(NDArray weight, NDArray bias) {
        this(weight, bias, null, Epilogue.NONE);
    }

    /**
     * Reads {@code <name>.weight} and (when {@code withBias}) {@code <name>.bias} and prepares them for the
     * source's kernel backend.
     *
     * @param ws weights, positioned so that {@code name} is relative to it
     * @param name module name, e.g. {@code "self_attn.q_proj.A"}
     * @param out output features
     * @param in input features
     * @param withBias whether a bias is expected
     * @param purpose for the load report
     * @return the weights
     */
    public static LinearWeights load(WeightSource ws, String name, long out, long in, boolean withBias,
            String purpose) {
        return load(ws, name, out, in, withBias, purpose, Epilogue.NONE);
    }

    /**
     * As {@link #load(WeightSource, String, long, long, boolean, String)}, with an epilogue fused after the bias
     * where the backend can.
     *
     * @param ws weights
     * @param name module name
     * @param out output features
     * @param in input features
     * @param withBias whether a bias is expected
     * @param purpose for the load report
     * @param epilogue applied after the bias
     * @return the weights
     */
    public static LinearWeights load(WeightSource ws, String name, long out, long in, boolean withBias,
            String purpose, Epilogue epilogue) {
        return prepare(ws, read(ws, name, out, in, withBias, purpose), epilogue);
    }

    /**
     * Reads the arrays only, as stored (float32, no backend): for weights that are combined before use
     * (the fused q/k/v), then handed to {@link #prepare}.
     *
     * @param ws weights
     * @param name module name
     * @param out output features
     * @param in input features
     * @param withBias whether a bias is expected
     * @param purpose for the load report
     * @return the plain weights
     */
    public static LinearWeights read(WeightSource ws, String name, long out, long in, boolean withBias,
            String purpose) {
        NDArray w = ws.require(name + ".weight", new Shape(out, in), purpose);
        NDArray b = withBias ? ws.require(name + ".bias", new Shape(out), purpose) : null;
        return new LinearWeights(w, b);
    }

    /**
     * Prepares float32 arrays for the source's kernel backend: with none (or DJL) the arrays are kept (in
     * float16 in low-memory mode); another backend converts them into its own memory, and when the source
     * hands out copies the originals are closed.
     *
     * @param ws the source the arrays came from
     * @param plain float32 weight (out, in) and bias
     * @param epilogue applied after the bias
     * @return the prepared layer
     */
    public static LinearWeights prepare(WeightSource ws, LinearWeights plain, Epilogue epilogue) {
        Kernels k = ws.kernels().orElse(null);
        NDArray w = plain.weight();
        NDArray b = plain.bias();
        if (k == null || k.usesModelArrays()) {
            NDArray kept = half(w, ws);
            return new LinearWeights(kept, b, k == null ? null : k.linear(kept, b, epilogue), epilogue);
        }
        LinearKernel lk = k.linear(w, b, epilogue);
        if (ws.handsOutCopies()) {
            w.close();
            if (b != null) {
                b.close();
            }
            return new LinearWeights(null, null, lk, epilogue);
        }
        return new LinearWeights(w, b, lk, epilogue);
    }

    /**
     * In low-memory mode, a float16 copy of a matrix that replaces it (the float32 original is closed
     * when the source hands out copies); otherwise the matrix itself.
     *
     * @param w a float32 matrix from {@code ws}
     * @param ws its source
     * @return the matrix to keep
     */
    public static NDArray half(NDArray w, WeightSource ws) {
        if (!ws.lowMemory() || w.getDataType() != DataType.FLOAT32) {
            return w;
        }
        NDArray h = w.toType(DataType.FLOAT16, false); // same manager as w: the model's
        if (ws.handsOutCopies()) {
            w.close();
        }
        return h;
    }

    /**
     * Applies the map.
     *
     * @param x (…, in)
     * @return (…, out), owned by x's manager
     */
    public NDArray apply(NDArray x) {
        return kernel != null ? kernel.apply(x) : applyDjl(x, weight, bias, epilogue);
    }

    /**
     * Applies the map and adds a residual, fused into the product where the backend can
     * ({@link LinearKernel#apply(NDArray, NDArray)}).
     *
     * @param x (…, in)
     * @param residual (…, out); not modified
     * @return residual + map(x), (…, out), a new array owned by x's manager
     */
    public NDArray apply(NDArray x, NDArray residual) {
        return kernel != null ? kernel.apply(x, residual) : residual.add(applyDjl(x, weight, bias, epilogue));
    }

    /**
     * The DJL computation of a linear map, as the reference backend runs it: float16 weights (low-memory mode)
     * widened for this call only, then PyTorch's {@code linear} and the epilogue.
     *
     * @param x (…, in)
     * @param weight (out, in), float32 or float16
     * @param bias (out) or null
     * @param epilogue applied after the bias
     * @return (…, out), owned by x's manager
     */
    @Api(status = Api.Status.INTERNAL, since = "0.1.0")
    public static NDArray applyDjl(NDArray x, NDArray weight, NDArray bias, Epilogue epilogue) {
        NDArray y;
        if (weight.getDataType() == DataType.FLOAT16) { // low-memory mode: widen for this call only
            NDArray w32 = weight.toType(DataType.FLOAT32, false);
            w32.attach(x.getManager()); // freed with the call's scope, not kept with the weights
            y = Ops.linear(x, w32, bias);
        } else {
            y = Ops.linear(x, weight, bias);
        }
        return epilogue == Epilogue.GELU ? Ops.gelu(y) : y;
    }
}
