package dev.beit3.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.beit3.api.Api;

/**
 * Tensor operations shared by the core and the plugins, each called on the activation first so the
 * result belongs to the activation's (per-call) manager, never to the weights' manager.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Ops {
    private Ops() {}

    /**
     * Checks integer ids against a table of {@code size} rows (one min and one max reduction).
     *
     * @param ids integer ids, any shape
     * @param size rows of the table they index
     * @param message the error text for an id outside [0, size)
     * @throws dev.beit3.api.InvalidInputException with {@code message(bad id)}
     */
    public static void requireIdsBelow(NDArray ids, long size, java.util.function.LongFunction<String> message) {
        long min = ids.min().toType(ai.djl.ndarray.types.DataType.INT64, false).getLong();
        long max = ids.max().toType(ai.djl.ndarray.types.DataType.INT64, false).getLong();
        if (min < 0 || max >= size) {
            throw new dev.beit3.api.InvalidInputException(message.apply(min < 0 ? min : max));
        }
    }

    /**
     * y = x·Wᵀ + b (PyTorch {@code linear}).
     *
     * @param x (…, in)
     * @param w (out, in)
     * @param b (out) or null
     * @return (…, out)
     */
    public static NDArray linear(NDArray x, NDArray w, NDArray b) {
        return (b == null ? Linear.linear(x, w) : Linear.linear(x, w, b)).singletonOrThrow();
    }

    /**
     * LayerNorm over the last axis.
     *
     * @param x (…, C)
     * @param gamma (C)
     * @param beta (C)
     * @param eps ε
     * @return (…, C)
     */
    public static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, float eps) {
        return LayerNorm.layerNorm(x, new Shape(x.getShape().getLastDimension()), gamma, beta, eps).singletonOrThrow();
    }

    /**
     * Exact GELU, ½·x·(1 + erf(x/√2)).
     *
     * @param x any shape
     * @return same shape
     */
    public static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    /**
     * Row lookup: out[..., :] = table[ids[...], :].
     *
     * @param ids int64 indices (…), in the caller's manager
     * @param table (V, D)
     * @return (…, D), owned by ids' manager
     */
    public static NDArray lookup(NDArray ids, NDArray table) {
        return Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }
}
