package dev.beit3.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.WeightSource;

/**
 * The parameters of a linear map y = x·Wᵀ + b, stored as PyTorch stores them (W: out × in).
 *
 * @param weight (out, in)
 * @param bias (out), or null for a bias-free projection
 */
@Api(status = Api.Status.STABLE)
public record LinearWeights(NDArray weight, NDArray bias) {

    /**
     * Reads {@code <name>.weight} and (when {@code withBias}) {@code <name>.bias}.
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
        NDArray w = ws.require(name + ".weight", new Shape(out, in), purpose);
        NDArray b = withBias ? ws.require(name + ".bias", new Shape(out), purpose) : null;
        return new LinearWeights(ws.lowMemory() ? half(w, ws) : w, b);
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
        if (weight.getDataType() == DataType.FLOAT16) { // low-memory mode: widen for this call only
            NDArray w32 = weight.toType(DataType.FLOAT32, false);
            w32.attach(x.getManager()); // freed with the call's scope, not kept with the weights
            return Ops.linear(x, w32, bias);
        }
        return Ops.linear(x, weight, bias);
    }
}
