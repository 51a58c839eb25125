package dev.beit3.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Optional;
import java.util.Set;

/**
 * Named tensors (a checkpoint's state dict) handed to a provider, possibly seen under a key prefix.
 *
 * <p>Every key a provider asks for is recorded: keys nobody asked for become "unexpected" and keys
 * asked for but absent or misshapen become "missing" / "shape mismatch" entries of the strict load
 * report, which the loader turns into one {@link CheckpointException} naming all of them after every
 * provider has run (the counterpart of PyTorch's {@code load_state_dict(strict=True)}). A source may
 * therefore hand out a zero placeholder of the expected shape for a missing tensor while it collects
 * the report; such placeholders never reach a forward pass.
 *
 * <p>Arrays returned belong to {@link #manager()}, the model's weight manager, and live as long as
 * the model.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public interface WeightSource {

    /**
     * The key prefix of this view ({@code ""} for the root), e.g. {@code "beit3.encoder.layers.0."}.
     *
     * @return the prefix
     */
    String prefix();

    /**
     * Keys visible in this view, relative to {@link #prefix()}.
     *
     * @return the keys
     */
    Set<String> keys();

    /**
     * The keys of a root source that lie under {@code prefix}, with the prefix removed, in their order:
     * the usual way to implement {@link #keys()}.
     *
     * @param all every key of the root source
     * @param prefix the source's prefix ("" for the root)
     * @return the keys relative to {@code prefix}
     */
    static Set<String> keysUnder(java.util.Collection<String> all, String prefix) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String k : all) {
            if (k.startsWith(prefix)) {
                out.add(k.substring(prefix.length()));
            }
        }
        return out;
    }

    /**
     * Whether a tensor exists under {@code prefix() + key}.
     *
     * @param key relative key
     * @return true if present
     */
    boolean contains(String key);

    /**
     * The stored shape of a tensor, without loading it.
     *
     * @param key relative key
     * @return the shape, or empty if absent
     */
    Optional<Shape> shape(String key);

    /**
     * Loads a tensor the caller needs, checking its shape.
     *
     * @param key relative key, e.g. {@code "ffn.A.fc1.weight"}
     * @param expected expected shape (as stored: linear weights are out × in)
     * @param purpose what it is for, quoted in the load report (e.g. "layer 0 vision expert")
     * @return the tensor in float32 (or its stored integer type), owned by {@link #manager()}
     * @throws CheckpointException when the key is absent or misshapen and the source is not collecting a report
     */
    NDArray require(String key, Shape expected, String purpose);

    /**
     * Loads an optional tensor: returns empty when absent, without recording it as missing.
     *
     * @param key relative key
     * @param expected expected shape
     * @param purpose what it is for
     * @return the tensor, if present
     */
    Optional<NDArray> optional(String key, Shape expected, String purpose);

    /**
     * A view under a longer prefix: {@code under("layers.0.")} on {@code "beit3.encoder."} sees
     * {@code "beit3.encoder.layers.0.*"}.
     *
     * @param subPrefix appended to {@link #prefix()}
     * @return the view, sharing the load report
     */
    WeightSource under(String subPrefix);

    /**
     * Whether every array {@link #require} and {@link #optional} return is a fresh copy that only the
     * caller holds. Then a provider may close what it derived a fused tensor from (the released BEiT-3
     * experts fuse q/k/v); otherwise (e.g. trainable leaves shared across rebuilds) it must not.
     *
     * @return true when returned arrays are the caller's alone
     */
    default boolean handsOutCopies() {
        return false;
    }

    /**
     * Whether the model is built in low-memory mode: large matrices may then be kept in float16 and
     * widened to float32 per use (results differ from float32 weights by float16 rounding, ~1e-3
     * relative).
     *
     * @return true in low-memory mode
     */
    default boolean lowMemory() {
        return false;
    }

    /**
     * The kernel backend the model's linear layers are prepared for ({@code LinearWeights.load} asks it), or
     * empty for DJL's own operations on the model's arrays (training and tests, whose weights are autograd
     * leaves, use that).
     *
     * @return the backend, if one was chosen
     */
    default Optional<Kernels> kernels() {
        return Optional.empty();
    }

    /**
     * The manager that owns the model weights.
     *
     * @return the weight manager
     */
    NDManager manager();
}
