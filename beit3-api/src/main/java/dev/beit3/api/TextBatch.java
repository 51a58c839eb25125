package dev.beit3.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * A batch of text segments of equal length, as (B, T) tables.
 *
 * <p>Immutable: the rows are copied on the way in and on the way out.
 *
 * @param ids token ids, B rows of T
 * @param paddingMask padding masks (1 = padding), B rows of T
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record TextBatch(long[][] ids, long[][] paddingMask) {
    /**
     * Checks the shapes and copies the rows.
     *
     * @param ids token ids
     * @param paddingMask padding masks
     */
    public TextBatch {
        if (ids.length != paddingMask.length) {
            throw new IllegalArgumentException("ids has " + ids.length + " rows, paddingMask " + paddingMask.length);
        }
        ids = deepCopy(ids);
        paddingMask = deepCopy(paddingMask);
        int t = ids.length == 0 ? 0 : ids[0].length;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i].length != t || paddingMask[i].length != t) {
                throw new IllegalArgumentException("row " + i + " has length " + ids[i].length + "/"
                        + paddingMask[i].length + ", expected " + t);
            }
        }
    }

    /** @return the batch size B */
    public int size() {
        return ids.length;
    }

    /** @return the sequence length T (0 for an empty batch) */
    public int length() {
        return ids.length == 0 ? 0 : ids[0].length;
    }

    /** @return a copy of the ids */
    @Override
    public long[][] ids() {
        return deepCopy(ids);
    }

    /** @return a copy of the padding masks */
    @Override
    public long[][] paddingMask() {
        return deepCopy(paddingMask);
    }

    /**
     * The ids as an NDArray.
     *
     * @param manager the manager that will own the array
     * @return a (B, T) int64 array
     */
    public NDArray toIds(NDManager manager) {
        return manager.create(flatten(ids), new Shape(size(), length()));
    }

    /**
     * The padding masks as an NDArray.
     *
     * @param manager the manager that will own the array
     * @return a (B, T) int64 array, 1 = padding
     */
    public NDArray toPaddingMask(NDManager manager) {
        return manager.create(flatten(paddingMask), new Shape(size(), length()));
    }

    private long[] flatten(long[][] rows) {
        int t = length();
        long[] flat = new long[rows.length * t];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * t, t);
        }
        return flat;
    }

    private static long[][] deepCopy(long[][] rows) {
        long[][] c = new long[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            c[i] = rows[i].clone();
        }
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TextBatch b && Arrays.deepEquals(ids, b.ids) && Arrays.deepEquals(paddingMask, b.paddingMask);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.deepHashCode(ids) + Arrays.deepHashCode(paddingMask);
    }

    @Override
    public String toString() {
        return "TextBatch[" + size() + "x" + length() + "]";
    }
}
