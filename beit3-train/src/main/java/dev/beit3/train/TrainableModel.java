package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.TaskHead;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointLayout;
import dev.beit3.core.checkpoint.TensorData;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.load.ModelLoader;
import dev.beit3.core.plugin.ProviderRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A BEiT-3 model (encoder + optional task head + any extra parameters such as pretraining heads) in
 * trainable form: the {@link ParameterStore}, the configuration read off the checkpoint, and the head
 * provider. Each training step {@link #open opens} a {@link Network}.
 *
 * <p>Limitation: the vision position table is differentiable only at the checkpoint's own image size
 * (a resized table is interpolated in Java when the encoder is built, outside the graph).
 */
public final class TrainableModel implements AutoCloseable {
    private final EncoderConfig config;
    private final ParameterStore params;
    private final ProviderRegistry registry;
    private final HeadProvider head;
    private final Map<String, String> headOptions;

    /**
     * What to build.
     *
     * @param attentionHeads number of attention heads (not stored in checkpoints: 12 for base, 16 for large)
     * @param headId task head provider id ({@code imageclassification}, {@code vqa}, {@code nlvr2},
     *     {@code retrieval}, {@code captioning}), or null for an encoder with extra parameters only (pretraining)
     * @param headOptions options for the head
     */
    public record Spec(int attentionHeads, String headId, Map<String, String> headOptions) {
        /** Validates. */
        public Spec {
            if (attentionHeads <= 0) {
                throw new IllegalArgumentException("attentionHeads must be > 0, got " + attentionHeads);
            }
            headOptions = Map.copyOf(Objects.requireNonNullElse(headOptions, Map.of()));
        }
    }

    private TrainableModel(EncoderConfig config, ParameterStore params, ProviderRegistry registry, HeadProvider head,
            Map<String, String> headOptions) {
        this.config = config;
        this.params = params;
        this.registry = registry;
        this.head = head;
        this.headOptions = headOptions;
    }

    /**
     * Reads a checkpoint ({@code .pth} or safetensors) into a trainable model, with providers discovered here (a
     * run that has discovered its providers passes them with {@link #load(Path, Spec, NDManager,
     * ProviderRegistry)}).
     *
     * @param checkpoint the file
     * @param spec heads and task head
     * @param parent manager under which the parameters live
     * @return the model
     * @throws IOException when the file cannot be read
     */
    public static TrainableModel load(Path checkpoint, Spec spec, NDManager parent) throws IOException {
        return load(checkpoint, spec, parent, ProviderRegistry.discover());
    }

    /**
     * Reads a checkpoint ({@code .pth} or safetensors) into a trainable model.
     *
     * @param checkpoint the file
     * @param spec heads and task head
     * @param parent manager under which the parameters live
     * @param registry where the expert, embedding and head providers come from
     * @return the model
     * @throws IOException when the file cannot be read
     */
    public static TrainableModel load(Path checkpoint, Spec spec, NDManager parent, ProviderRegistry registry)
            throws IOException {
        return load(Checkpoint.read(checkpoint), spec, parent, registry);
    }

    /**
     * Builds a trainable model from a checkpoint in memory.
     *
     * @param checkpoint the checkpoint
     * @param spec heads and task head
     * @param parent manager under which the parameters live
     * @param registry where the expert, embedding and head providers come from
     * @return the model
     */
    public static TrainableModel load(Checkpoint checkpoint, Spec spec, NDManager parent, ProviderRegistry registry) {
        return of(checkpoint.tensors(), String.valueOf(checkpoint.source()), spec, parent, registry);
    }

    /**
     * Builds a trainable model from tensors in memory (e.g. {@link HeadInit#forTask}).
     *
     * @param tensors the state dict, in checkpoint order
     * @param source where the tensors come from, for messages
     * @param spec heads and task head
     * @param parent manager under which the parameters live
     * @param registry where the expert, embedding and head providers come from
     * @return the model
     */
    public static TrainableModel of(Map<String, TensorData> tensors, String source, Spec spec, NDManager parent,
            ProviderRegistry registry) {
        EncoderConfig cfg = configOf(tensors, source, spec.attentionHeads());
        HeadProvider hp = spec.headId() == null ? null : registry.head(spec.headId());
        ParameterStore store = ParameterStore.of(tensors, parent);
        TrainableModel m = new TrainableModel(cfg, store, registry, hp, spec.headOptions());
        try (NDManager probe = store.manager().newSubManager(); Network n = m.open(probe, k -> false)) {
            // strict: every provider finds its keys (throws otherwise)
            Objects.requireNonNull(n.encoder());
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return m;
    }

    /**
     * The BEiT-3 configuration from tensor shapes, as the loader reads it ({@link CheckpointLayout}): D and V
     * from the text embedding, F from layer 0's FFN, P from the patch projection, S from the vision positions,
     * the text position rows, L from the layer indices, the final norm from its keys; LayerNorm ε 1e-5.
     *
     * @param c the checkpoint
     * @param heads attention heads
     * @return the configuration
     */
    public static EncoderConfig configOf(Checkpoint c, int heads) {
        return CheckpointLayout.of(c).requireBeit3().beit3Config(heads, 0);
    }

    /**
     * {@link #configOf(Checkpoint, int)} on tensors in memory.
     *
     * @param c the tensors
     * @param source where they come from, for messages
     * @param heads attention heads
     * @return the configuration
     */
    public static EncoderConfig configOf(Map<String, TensorData> c, String source, int heads) {
        return CheckpointLayout.ofTensors(c, source, null).requireBeit3().beit3Config(heads, 0);
    }

    /**
     * The configuration.
     *
     * @return the configuration
     */
    public EncoderConfig config() {
        return config;
    }

    /**
     * The parameters (masters).
     *
     * @return the store
     */
    public ParameterStore parameters() {
        return params;
    }

    /**
     * The head provider id.
     *
     * @return the id, or null without a head
     */
    public String headId() {
        return head == null ? null : head.id();
    }

    /**
     * Opens one step: creates an autograd leaf per parameter in a new sub-manager of {@code parent}
     * (those selected by {@code trainable} require a gradient; the others are constants), and builds
     * the encoder and head over them, with autograd recording on, so that the build itself (q/k/v
     * fusion, position rows) is part of the graph. Run the forward passes and backward inside a
     * {@code GradientCollector}.
     *
     * @param parent manager under which the step scope opens
     * @param trainable which parameters get gradients (e.g. everything, or only the head)
     * @return the network; close it after the optimizer step
     */
    public Network open(NDManager parent, Predicate<String> trainable) {
        NDManager scope = parent.newSubManager();
        try {
            Map<String, NDArray> leaves = new LinkedHashMap<>();
            Set<String> train = new LinkedHashSet<>();
            for (String name : params.names()) {
                NDArray leaf = params.get(name).stopGradient(); // shares storage, no history
                leaf.attach(scope);
                if (trainable.test(name)) {
                    leaf.setRequiresGradient(true);
                    train.add(name);
                }
                leaves.put(name, leaf);
            }
            Network net = new Network(config, scope, Collections.unmodifiableMap(leaves),
                    Collections.unmodifiableSet(train), this::build);
            net.rebuild(scope);
            return net;
        } catch (RuntimeException e) {
            scope.close();
            throw e;
        }
    }

    /**
     * Builds encoder and head over the leaves, with autograd recording on (even outside a
     * {@code GradientCollector}), so the build (q/k/v fusion, position rows) is part of the graph.
     */
    Network.Built build(java.util.Map<String, NDArray> leaves, NDManager scope) {
        LeafWeights ws = new LeafWeights(leaves, scope, "");
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try {
            // the loader's assembly over the autograd leaves instead of a checkpoint's weights
            MultiwayEncoder enc = ModelLoader.beit3Encoder(config, ws, registry);
            TaskHead h = head == null ? null : ModelLoader.head(head, config, headOptions, ws);
            return new Network.Built(enc, h);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** Frees the parameters. */
    @Override
    public void close() {
        params.close();
    }
}
