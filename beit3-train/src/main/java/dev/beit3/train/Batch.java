package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.InvalidInputException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * One training batch: arrays under {@link BatchKey}s (the reference's batch keys). Each {@link TrainingTask}
 * documents the keys it reads; each task's data builder writes them ({@link TrainingData}).
 *
 * @param arrays the arrays by key
 */
public record Batch(Map<BatchKey, NDArray> arrays) {
    /** Copies the map. */
    public Batch {
        EnumMap<BatchKey, NDArray> copy = new EnumMap<>(BatchKey.class);
        arrays.forEach((k, v) -> copy.put(java.util.Objects.requireNonNull(k, "key"),
                java.util.Objects.requireNonNull(v, "array")));
        arrays = Collections.unmodifiableMap(copy);
    }

    /**
     * A required array.
     *
     * @param key batch key
     * @return the array
     * @throws InvalidInputException naming the key and the keys present
     */
    public NDArray require(BatchKey key) {
        NDArray a = arrays.get(key);
        if (a == null) {
            throw new InvalidInputException("the batch has no '" + key + "'; it has " + arrays.keySet());
        }
        return a;
    }

    /**
     * An optional array.
     *
     * @param key batch key
     * @return the array or null
     */
    public NDArray get(BatchKey key) {
        return arrays.get(key);
    }

    /**
     * Whether a key is present.
     *
     * @param key batch key
     * @return true if present
     */
    public boolean has(BatchKey key) {
        return arrays.containsKey(key);
    }

    /**
     * The batch size: the first dimension of the first image or text array.
     *
     * @return B
     */
    public long size() {
        for (BatchKey k : new BatchKey[] {BatchKey.IMAGE, BatchKey.LANGUAGE_TOKENS, BatchKey.TEXT_IDS}) {
            if (arrays.containsKey(k)) {
                return arrays.get(k).getShape().get(0);
            }
        }
        return arrays.values().iterator().next().getShape().get(0);
    }

    /**
     * The rows [from, to) of every array (axis 0), e.g. to split a batch into micro-batches. Arrays
     * whose first dimension is not the batch size (e.g. {@link BatchKey#MLM_TARGETS}, indexed by masked
     * position) cannot be split this way and are rejected.
     *
     * @param from first row
     * @param to end row (exclusive)
     * @return the sub-batch (views in the same managers)
     */
    public Batch rows(long from, long to) {
        long b = size();
        Map<BatchKey, NDArray> m = new EnumMap<>(BatchKey.class);
        arrays.forEach((k, v) -> {
            if (v.getShape().dimension() == 0 || v.getShape().get(0) != b) {
                throw new InvalidInputException("cannot split '" + k + "' of shape " + v.getShape() + " by batch rows");
            }
            m.put(k, v.get("{}:{}", from, to));
        });
        return new Batch(m);
    }

    /**
     * Copies every array into {@code scope} (so a step's results land there).
     *
     * @param scope the target manager
     * @return the copy
     */
    public Batch copyTo(NDManager scope) {
        Map<BatchKey, NDArray> m = new EnumMap<>(BatchKey.class);
        arrays.forEach((k, v) -> {
            NDArray c = v.duplicate();
            c.attach(scope);
            m.put(k, c);
        });
        return new Batch(m);
    }
}
