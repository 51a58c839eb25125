package dev.beit3.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;
import java.util.stream.IntStream;

/**
 * The rows of a sequence batch at the positions a mask selects (masked-LM heads and losses): {@code x}
 * (B, T, D) and {@code mask} (B, T) give (M, D), rows in row-major order of the mask. Differentiable in x.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class MaskedRows {
    private MaskedRows() {}

    /**
     * Gathers the rows where {@code mask ≠ 0}.
     *
     * @param x (B, T, D)
     * @param mask (B, T), any numeric type
     * @return (M, D), in the manager of {@code x}
     * @throws InvalidInputException when the shapes differ or the mask selects no position
     */
    public static NDArray select(NDArray x, NDArray mask) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        long d = x.getShape().get(2);
        if (mask.getShape().dimension() != 2 || mask.getShape().get(0) != b || mask.getShape().get(1) != t) {
            throw new InvalidInputException("mask has shape " + mask.getShape() + " but the sequence is (" + b + ", "
                    + t + ")");
        }
        long[] flags = mask.toType(DataType.INT64, false).toLongArray();
        long[] rows = IntStream.range(0, flags.length).filter(i -> flags[i] != 0).mapToLong(i -> i).toArray();
        if (rows.length == 0) {
            throw new InvalidInputException("the mask selects no position");
        }
        return x.reshape(b * t, d).get(x.getManager().create(rows)); // (M, D)
    }
}
