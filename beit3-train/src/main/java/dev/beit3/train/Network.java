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
    private final NDManager scope;
    private final Map<String, NDArray> leaves;
    private final Set<String> trainable;
    private final MultiwayEncoder encoder;
    private final TaskHead head;

    Network(EncoderConfig config, NDManager scope, Map<String, NDArray> leaves, Set<String> trainable,
            MultiwayEncoder encoder, TaskHead head) {
        this.config = config;
        this.scope = scope;
        this.leaves = leaves;
        this.trainable = trainable;
        this.encoder = encoder;
        this.head = head;
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
     * The step scope: every array of this step (inputs, activations, losses) should live here.
     *
     * @return the manager, closed with the network
     */
    public NDManager scope() {
        return scope;
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
     * gradient storage and belong to {@link #scope()}.
     *
     * @return gradients by key, in checkpoint order
     */
    public Map<String, NDArray> gradients() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String name : trainable) {
            NDArray g = JniUtils.getGradient((PtNDArray) leaves.get(name));
            if (g != null) {
                g.attach(scope);
                out.put(name, g);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Frees the step: leaves (not the masters' storage), graph arrays, gradients. */
    @Override
    public void close() {
        scope.close();
    }
}
