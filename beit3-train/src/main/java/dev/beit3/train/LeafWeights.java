package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.WeightSource;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A strict {@link WeightSource} over one step's autograd leaves: {@link #require} hands out the leaf
 * itself (not a copy), so whatever a provider derives from it at build time (fused q/k/v, position
 * rows) is recorded in the step's graph; {@link #manager()} is the step scope, so derived arrays die
 * with the step.
 */
final class LeafWeights implements WeightSource {
    private final Map<String, NDArray> leaves;
    private final NDManager scope;
    private final String prefix;

    LeafWeights(Map<String, NDArray> leaves, NDManager scope, String prefix) {
        this.leaves = leaves;
        this.scope = scope;
        this.prefix = prefix;
    }

    @Override
    public String prefix() {
        return prefix;
    }

    @Override
    public Set<String> keys() {
        return WeightSource.keysUnder(leaves.keySet(), prefix);
    }

    @Override
    public boolean contains(String key) {
        return leaves.containsKey(prefix + key);
    }

    @Override
    public Optional<Shape> shape(String key) {
        NDArray a = leaves.get(prefix + key);
        return a == null ? Optional.empty() : Optional.of(a.getShape());
    }

    @Override
    public NDArray require(String key, Shape expected, String purpose) {
        return optional(key, expected, purpose).orElseThrow(() -> new CheckpointException("the model being trained"
                + " has no parameter " + prefix + key + " (needed for the " + purpose + ")"));
    }

    @Override
    public Optional<NDArray> optional(String key, Shape expected, String purpose) {
        NDArray a = leaves.get(prefix + key);
        if (a == null) {
            return Optional.empty();
        }
        if (!a.getShape().equals(expected)) {
            throw new CheckpointException("parameter " + prefix + key + " has shape " + a.getShape() + "; the "
                    + purpose + " expects " + expected);
        }
        return Optional.of(a);
    }

    @Override
    public WeightSource under(String subPrefix) {
        return new LeafWeights(leaves, scope, prefix + subPrefix);
    }

    @Override
    public NDManager manager() {
        return scope;
    }
}
