package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.TaskHead;
import dev.beit3.core.encoder.MultiwayEncoder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * One step's differentiable model: an autograd leaf per parameter (sharing the master's storage), the
 * encoder and head built over the leaves, and the step scope that owns every array of the step.
 *
 * <p>Open it with {@link TrainableModel#open}, run forward passes and {@code backward} inside a DJL
 * {@code GradientCollector}, read {@link #gradients()}, then close it (which frees the graph's arrays
 * and the gradients). Gradient accumulation: several backward passes on the same network add up, as
 * in PyTorch.
 */
public final class Network implements AutoCloseable {
    private final EncoderConfig config;
    private final NDManager root;
    private NDManager scope;
    private final Map<String, NDArray> leaves;
    private final Set<String> trainable;
    private final BiFunction<Map<String, NDArray>, NDManager, Built> builder;
    private MultiwayEncoder encoder;
    private TaskHead head;

    /** Encoder and head built over the leaves. */
    record Built(MultiwayEncoder encoder, TaskHead head) {}

    Network(EncoderConfig config, NDManager scope, Map<String, NDArray> leaves, Set<String> trainable,
            BiFunction<Map<String, NDArray>, NDManager, Built> builder) {
        this.config = config;
        this.root = scope;
        this.scope = scope;
        this.leaves = leaves;
        this.trainable = trainable;
        this.builder = builder;
    }

    /** (Re)builds encoder and head in {@code where}: each backward pass needs its own build graph. */
    void rebuild(NDManager where) {
        Built b = builder.apply(leaves, where);
        encoder = b.encoder();
        head = b.head();
    }

    /**
     * The encoder configuration.
     *
     * @return the configuration
     */
    public EncoderConfig config() {
        return config;
    }

    /**
     * The current scope: every array of the current (micro-)batch — inputs, activations, losses — lives
     * here; inside {@link #microBatch()} a sub-manager closed when the micro-batch ends.
     *
     * @return the manager
     */
    public NDManager scope() {
        return scope;
    }

    /**
     * Starts a micro-batch: until the returned handle is closed, {@link #scope()} is a fresh
     * sub-manager and {@link #encoder()} / {@link #head()} a fresh build over the leaves, so the
     * activations of one forward/backward are freed before the next one while the gradients
     * accumulate on the leaves. Use one micro-batch per backward pass when a step has several. Not
     * nestable.
     *
     * @return closes the micro-batch scope
     */
    public MicroBatch microBatch() {
        if (scope != root) {
            throw new IllegalStateException("a micro-batch is already open");
        }
        NDManager sub = root.newSubManager();
        scope = sub;
        MultiwayEncoder outerEncoder = encoder;
        TaskHead outerHead = head;
        // the leaves visit the micro-batch scope, so what is derived from them (fused q/k/v, position
        // rows) is freed with it; a fresh build per micro-batch, because backward frees the graph
        for (NDArray leaf : leaves.values()) {
            leaf.tempAttach(sub);
        }
        rebuild(sub);
        return () -> {
            scope = root;
            encoder = outerEncoder;
            head = outerHead;
            sub.close(); // returns the leaves to the step scope
        };
    }

    /**
     * The encoder, built over this step's leaves.
     *
     * @return the encoder
     */
    public MultiwayEncoder encoder() {
        return encoder;
    }

    /**
     * The task head, built over this step's leaves.
     *
     * @return the head, or null for a model without one (pretraining)
     */
    public TaskHead head() {
        return head;
    }

    /**
     * The leaf of one parameter (e.g. {@code logit_scale}, {@code mlm_head.weight}).
     *
     * @param name state-dict key
     * @return the leaf (requires a gradient when trainable)
     * @throws IllegalArgumentException when absent
     */
    public NDArray parameter(String name) {
        NDArray a = leaves.get(name);
        if (a == null) {
            throw new IllegalArgumentException("the model has no parameter " + name);
        }
        return a;
    }

    /**
     * Whether the model has a parameter.
     *
     * @param name state-dict key
     * @return true if present
     */
    public boolean hasParameter(String name) {
        return leaves.containsKey(name);
    }

    /**
     * The gradients accumulated so far: only parameters the loss reached (PyTorch's non-None
     * {@code .grad}); a parameter that got no gradient is absent. The arrays share the leaves'
     * gradient storage and live until the network is closed.
     *
     * @return gradients by key, in checkpoint order
     */
    public Map<String, NDArray> gradients() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String name : trainable) {
            NDArray g = JniUtils.getGradient((PtNDArray) leaves.get(name));
            if (g != null) {
                g.attach(root);
                out.put(name, g);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** An open micro-batch scope. */
    public interface MicroBatch extends AutoCloseable {
        /** Frees the micro-batch's arrays and restores the step scope. */
        @Override
        void close();
    }

    /** Frees the step: leaves (not the masters' storage), graph arrays, gradients. */
    @Override
    public void close() {
        scope = root;
        root.close();
    }
}
