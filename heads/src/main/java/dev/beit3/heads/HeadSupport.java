package dev.beit3.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.WeightSource;

/** Small helpers shared by the built-in heads. */
final class HeadSupport {
    private HeadSupport() {}

    /** Output features of a linear layer as stored in the checkpoint. */
    static long outFeatures(WeightSource ws, String key, String purpose) {
        return ws.shape(key).map(s -> s.get(0)).orElseThrow(() -> new CheckpointException(
                "checkpoint has no key " + key + " (expected for the " + purpose + "); available head keys: "
                        + ws.keys().stream().filter(k -> !k.startsWith("beit3.")).sorted().toList()
                        + "; did you pick the wrong head for this checkpoint?"));
    }

    /** A required input, or a message naming it. */
    static NDArray need(NDArray a, String what, String head) {
        if (a == null) {
            throw new InvalidInputException("the " + head + " head needs " + what);
        }
        return a;
    }

    /**
     * L2 normalisation x / max(‖x‖, 1e-12) over the last axis. The 1e-12 is an engine-allocated 0-d
     * array, not a Java number: DJL frees a number operand's Java buffer right after the op, but
     * autograd keeps {@code maximum}'s operands for the backward pass (training, beit3-train).
     */
    static NDArray l2normalize(NDArray x) {
        NDArray n = x.norm(new int[] {-1}, true); // (…, 1)
        try (NDArray eps = n.getManager().full(new Shape(), 1e-12f)) { // ()
            return x.div(n.maximum(eps)); // (…, D)
        }
    }

    /** Shape helper. */
    static Shape shape(long... dims) {
        return new Shape(dims);
    }
}
