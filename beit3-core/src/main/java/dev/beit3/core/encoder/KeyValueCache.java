package dev.beit3.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * The keys and values of every token an incremental decoding has seen, per layer, so a decoding step
 * only computes its new tokens (the reference captioner's {@code incremental_state}).
 *
 * <p>Shapes: R rows (images × beams), Tc cached tokens, D width. Arrays live in the cache's own
 * manager, released by {@link #close()}; not thread-safe (one decoding owns one cache). Owned by a
 * {@link CachedDecoding} session.
 */
final class KeyValueCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys; // per layer (R, Tc, D)
    private final NDArray[] values; // per layer (R, Tc, D)

    /**
     * Creates an empty cache.
     *
     * @param layers L
     * @param parent manager the cache's own sub-manager is created under
     */
    KeyValueCache(int layers, NDManager parent) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /**
     * Cached tokens Tc (0 when empty).
     *
     * @return the length
     */
    long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(1);
    }

    NDArray keys(int layer) {
        return keys[layer];
    }

    NDArray values(int layer) {
        return values[layer];
    }

    /** Appends the new tokens' keys and values of one layer, (R, Tn, D) each. */
    void append(int layer, NDArray k, NDArray v) {
        keys[layer] = grow(keys[layer], k);
        values[layer] = grow(values[layer], v);
    }

    private NDArray grow(NDArray old, NDArray add) {
        NDArray next;
        if (old == null) {
            next = add.duplicate();
            next.attach(manager);
        } else {
            next = NDArrays.concat(new NDList(old, add), 1); // first operand is ours: result is ours
            old.close();
        }
        return next;
    }

    /**
     * Forgets the last {@code n} tokens (the reference drops the mask slot after every step).
     *
     * @param n tokens to drop
     */
    void dropLast(int n) {
        long keep = length() - n;
        for (int l = 0; l < keys.length; l++) {
            NDArray k = keys[l].get(":, :{}", keep);
            NDArray v = values[l].get(":, :{}", keep);
            keys[l].close();
            values[l].close();
            keys[l] = k;
            values[l] = v;
        }
    }

    /**
     * Re-orders the rows (beam search keeps some beams and duplicates others).
     *
     * @param rows for each new row, the old row it copies
     */
    void reorder(long[] rows) {
        NDArray index = manager.create(rows);
        for (int l = 0; l < keys.length; l++) {
            NDArray k = keys[l].get(index);
            NDArray v = values[l].get(index);
            keys[l].close();
            values[l].close();
            keys[l] = k;
            values[l] = v;
        }
        index.close();
    }

    /** Releases the cached arrays. */
    @Override
    public void close() {
        manager.close();
    }
}
