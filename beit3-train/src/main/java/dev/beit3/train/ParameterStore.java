package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.beit3.api.CheckpointException;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.DType;
import dev.beit3.core.checkpoint.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of a model being trained: one float32 master array per state-dict key, in checkpoint
 * order, owned by the store's manager. Optimizers update the masters in place; per-step autograd
 * leaves ({@link Network}) share their storage.
 */
public final class ParameterStore implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> params;

    private ParameterStore(NDManager manager, Map<String, NDArray> params) {
        this.manager = manager;
        this.params = params;
    }

    /**
     * Loads every tensor of a checkpoint as a float32 master array.
     *
     * @param checkpoint the checkpoint
     * @param parent the manager under which the store opens its own sub-manager
     * @return the store
     * @throws CheckpointException when a tensor is not floating point
     */
    public static ParameterStore load(Checkpoint checkpoint, NDManager parent) {
        return of(checkpoint.tensors(), parent);
    }

    /**
     * A store over the given tensors (all must be floating point).
     *
     * @param tensors tensors by state-dict key, in the order to keep
     * @param parent the manager under which the store opens its own sub-manager
     * @return the store
     */
    public static ParameterStore of(Map<String, TensorData> tensors, NDManager parent) {
        NDManager m = parent.newSubManager();
        Map<String, NDArray> p = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
                TensorData t = e.getValue();
                if (!t.dtype().isFloatingPoint()) {
                    throw new CheckpointException("parameter " + e.getKey() + " has type " + t.dtype()
                            + "; only floating-point tensors can be trained");
                }
                NDArray a = t.toNDArray(m).toType(DataType.FLOAT32, false);
                a.setName(e.getKey());
                p.put(e.getKey(), a);
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return new ParameterStore(m, p);
    }

    /**
     * The keys, in checkpoint order.
     *
     * @return an unmodifiable view
     */
    public Set<String> names() {
        return Collections.unmodifiableSet(params.keySet());
    }

    /**
     * Whether a key exists.
     *
     * @param name state-dict key
     * @return true if present
     */
    public boolean contains(String name) {
        return params.containsKey(name);
    }

    /**
     * The master array of a parameter (updated in place by optimizers; do not close).
     *
     * @param name state-dict key
     * @return the float32 array
     * @throws IllegalArgumentException when absent
     */
    public NDArray get(String name) {
        NDArray a = params.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter " + name + "; the model has " + params.size()
                    + " parameters, e.g. " + params.keySet().stream().limit(5).toList());
        }
        return a;
    }

    /**
     * The manager owning the masters (and optimizer state created for them).
     *
     * @return the manager
     */
    public NDManager manager() {
        return manager;
    }

    /**
     * Total number of elements.
     *
     * @return the count
     */
    public long elementCount() {
        long n = 0;
        for (NDArray a : params.values()) {
            n += a.size();
        }
        return n;
    }

    /**
     * A float32 copy of every parameter as checkpoint tensors (for the writers).
     *
     * @return tensors by key, in checkpoint order
     */
    public Map<String, TensorData> snapshot() {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray a = e.getValue();
            float[] f = a.toFloatArray();
            ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(f);
            out.put(e.getKey(), new TensorData(e.getKey(), DType.FLOAT32, a.getShape().getShape(), b));
        }
        return out;
    }

    /** Frees the masters and every array created in {@link #manager()}. */
    @Override
    public void close() {
        manager.close();
    }
}
