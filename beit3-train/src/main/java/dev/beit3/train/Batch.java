package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.InvalidInputException;
import java.util.Map;

/**
 * One training batch: arrays under the names of the reference's batch keys ({@code image},
 * {@code image2}, {@code language_tokens}, {@code padding_mask}, {@code label}, {@code labels},
 * {@code soft_target}, {@code masked_tokens}, {@code language_masked_pos}, {@code text_ids},
 * {@code vision_masked_pos}, {@code visual_token_ids}, …). Each {@link TrainingTask} documents the keys
 * it reads.
 *
 * @param arrays the arrays by key
 */
public record Batch(Map<String, NDArray> arrays) {
    /** Copies the map. */
    public Batch {
        arrays = Map.copyOf(arrays);
    }

    /**
     * A required array.
     *
     * @param key batch key
     * @return the array
     * @throws InvalidInputException naming the key and the keys present
     */
    public NDArray require(String key) {
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
    public NDArray get(String key) {
        return arrays.get(key);
    }

    /**
     * Whether a key is present.
     *
     * @param key batch key
     * @return true if present
     */
    public boolean has(String key) {
        return arrays.containsKey(key);
    }

    /**
     * The batch size: the first dimension of the first image or text array.
     *
     * @return B
     */
    public long size() {
        for (String k : new String[] {"image", "language_tokens", "text_ids"}) {
            if (arrays.containsKey(k)) {
                return arrays.get(k).getShape().get(0);
            }
        }
        return arrays.values().iterator().next().getShape().get(0);
    }

    /**
     * The rows [from, to) of every array (axis 0), e.g. to split a batch into micro-batches. Arrays
     * whose first dimension is not the batch size (e.g. {@code mlm_targets}, indexed by masked position)
     * cannot be split this way and are rejected.
     *
     * @param from first row
     * @param to end row (exclusive)
     * @return the sub-batch (views in the same managers)
     */
    public Batch rows(long from, long to) {
        long b = size();
        Map<String, NDArray> m = new java.util.LinkedHashMap<>();
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
        Map<String, NDArray> m = new java.util.LinkedHashMap<>();
        arrays.forEach((k, v) -> {
            NDArray c = v.duplicate();
            c.attach(scope);
            m.put(k, c);
        });
        return new Batch(m);
    }
}
