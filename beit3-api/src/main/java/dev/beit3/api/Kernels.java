package dev.beit3.api;

import ai.djl.ndarray.NDArray;

/**
 * A kernel backend opened in one {@link Precision} for one model: it prepares each linear layer once, at load
 * (weights converted and laid out the way the backend computes fastest), and then applies it per call; it may
 * also compute the attention products ({@link #attention()}).
 * Thread-safe: one model's layers are applied from many threads.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public interface Kernels extends AutoCloseable {
    /**
     * The provider's id.
     *
     * @return e.g. {@code "onednn"}
     */
    String id();

    /**
     * The precision of the matrix products.
     *
     * @return the precision
     */
    Precision precision();

    /**
     * What runs, for logs and provenance, e.g. {@code "onednn fp32 (avx512_core_bf16)"}.
     *
     * @return the description
     */
    default String describe() {
        return id() + " " + precision().id();
    }

    /**
     * Whether this backend computes with the model's own DJL arrays (then the model keeps them); otherwise it
     * keeps its own copy of each weight and the model may release the original.
     *
     * @return true for the DJL reference backend
     */
    default boolean usesModelArrays() {
        return false;
    }

    /**
     * Prepares y = epilogue(x·Wᵀ + b).
     *
     * @param weight (out, in) float32, PyTorch's layout; not retained unless {@link #usesModelArrays()}
     * @param bias (out) float32, or null
     * @param epilogue what is applied to the result
     * @return the prepared layer
     */
    LinearKernel linear(NDArray weight, NDArray bias, Epilogue epilogue);

    /**
     * The backend's attention score and value products with the softmax between them, when it computes them
     * faster than the DJL reference; empty: the model computes attention with DJL.
     *
     * @return the attention kernel, or empty
     */
    default java.util.Optional<AttentionKernel> attention() {
        return java.util.Optional.empty();
    }

    /**
     * Prepares a LayerNorm when the backend computes it faster than the DJL reference; empty: the model normalises
     * with DJL on its own arrays.
     *
     * @param gamma (C) float32 scale; not retained
     * @param beta (C) float32 shift; not retained
     * @param eps ε
     * @return the prepared norm, or empty
     */
    default java.util.Optional<LayerNormKernel> layerNorm(NDArray gamma, NDArray beta, float eps) {
        return java.util.Optional.empty();
    }

    /** Releases the backend's native resources (primitives, converted weights); the DJL backend has none. */
    @Override
    default void close() {}

    /** The element-wise function fused after the bias of a {@link LinearKernel}. */
    enum Epilogue {
        /** y = x·Wᵀ + b. */
        NONE,
        /** y = GELU(x·Wᵀ + b), exact (erf) GELU. */
        GELU
    }
}
