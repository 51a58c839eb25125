package dev.beit3.model;

import dev.beit3.api.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/** Splits a task call over many inputs into encoder batches of at most the model's batch size. */
final class Chunks {
    private Chunks() {}

    /** One batch of a call: the inputs {@code [from, to)}. */
    interface Body<R> {
        /**
         * Processes one range.
         *
         * @param from first index
         * @param to end index (exclusive)
         * @return one result per input of the range
         */
        List<R> apply(int from, int to);
    }

    /**
     * Runs {@code body} on index ranges of at most {@code batchSize} and concatenates the results.
     *
     * @param n how many inputs
     * @param batchSize the largest range
     * @param body the work per range
     * @param <R> one result per input
     * @return the results in input order
     * @throws InvalidInputException if there are no inputs
     */
    static <R> List<R> run(int n, int batchSize, Body<R> body) {
        if (n == 0) {
            throw new InvalidInputException("no inputs given");
        }
        List<R> out = new ArrayList<>(n);
        for (int from = 0; from < n; from += batchSize) {
            out.addAll(body.apply(from, Math.min(n, from + batchSize)));
        }
        return out;
    }
}
