package dev.beit3.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.HeadInput;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.RoutingPlan;
import dev.beit3.api.TaskHead;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.vlmo.VlmoEncoders;
import dev.beit3.vlmo.VlmoLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A loaded VLMo checkpoint: the encoder assembled from the plugins ({@link VlmoEncoders}), every VLMo head
 * whose keys the checkpoint holds, and the model's weights, which {@link #close()} frees.
 *
 * <pre>{@code
 * try (Vlmo m = Vlmo.load(Path.of("vlmo_base_patch16_224.pt"))) {
 *     System.out.println(m.plan());                 // which expert serves which span, per layer
 *     Map<String, float[]> r = m.run("vlmo-itm", s -> new HeadInput(images, null, ids, padding, Map.of()));
 * }
 * }</pre>
 *
 * <p>Thread-safe after loading: every call runs in its own scope.
 */
@Api(status = Api.Status.EXPERIMENTAL)
public final class Vlmo implements AutoCloseable {
    private final VlmoLayout layout;
    private final MultiwayEncoder encoder;
    private final Map<String, TaskHead> heads;
    private final NDManager weights;

    private Vlmo(VlmoLayout layout, MultiwayEncoder encoder, Map<String, TaskHead> heads, NDManager weights) {
        this.layout = layout;
        this.encoder = encoder;
        this.heads = heads;
        this.weights = weights;
    }

    /**
     * Loads a VLMo checkpoint with the providers on the class path, H and the image size read off it.
     *
     * @param checkpoint a {@code .pt}/{@code .pth} state dict (plain or under {@code state_dict}/{@code module}/{@code model})
     * @return the model
     * @throws CheckpointException when the file is not a VLMo checkpoint or does not fit
     * @throws dev.beit3.api.ProviderException when a plugin (e.g. expert-vl) is missing
     */
    public static Vlmo load(Path checkpoint) {
        return load(checkpoint, ProviderRegistry.discover(), 0, 0);
    }

    /**
     * Loads a VLMo checkpoint.
     *
     * @param checkpoint the file
     * @param registry the providers to use
     * @param heads attention heads H, or 0 to infer (bias table columns / L, else D/64)
     * @param imageSize image side S, or 0 to read it off the checkpoint
     * @return the model
     * @throws CheckpointException when the file is not a VLMo checkpoint or does not fit
     * @throws dev.beit3.api.ProviderException when a plugin (e.g. expert-vl) is missing
     */
    public static Vlmo load(Path checkpoint, ProviderRegistry registry, int heads, int imageSize) {
        Objects.requireNonNull(registry, "registry");
        Checkpoint ckpt;
        try {
            ckpt = Checkpoint.open(checkpoint);
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
        VlmoLayout layout = VlmoLayout.of(ckpt, heads, imageSize);
        NDManager weights = NDManager.newBaseManager();
        try {
            CheckpointWeights ws = ckpt.weights(weights);
            MultiwayEncoder enc = VlmoEncoders.build(layout, ws, id -> registry.findExpert(id).orElse(null),
                    id -> registry.findEmbedding(id).orElse(null));
            Map<String, TaskHead> hs = new LinkedHashMap<>();
            EncoderConfig cfg = layout.encoderConfig();
            for (HeadProvider p : registry.heads().values()) {
                if (p.family() == ModelFamily.VLMO && !p.signatureKeys().isEmpty()
                        && ckpt.tensors().keySet().containsAll(p.signatureKeys())) {
                    hs.put(p.id(), p.create(new HeadSpec(cfg, p.preset(), Map.of()), ws));
                }
            }
            ws.report().throwIfIncomplete(checkpoint.getFileName() + " as " + layout.summary());
            return new Vlmo(layout, enc, java.util.Collections.unmodifiableMap(hs), weights);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /**
     * The layout read off the checkpoint.
     *
     * @return the layout
     */
    public VlmoLayout layout() {
        return layout;
    }

    /**
     * The encoder configuration.
     *
     * @return the configuration
     */
    public EncoderConfig config() {
        return encoder.config();
    }

    /**
     * The routing plan (print it to see which expert serves which span in each layer).
     *
     * @return the plan
     */
    public RoutingPlan plan() {
        return encoder.plan();
    }

    /**
     * The encoder (with its VL branch when the model has a VL expert).
     *
     * @return the encoder
     */
    public MultiwayEncoder encoder() {
        return encoder;
    }

    /**
     * The heads built for this checkpoint, by id.
     *
     * @return the heads
     */
    public Map<String, TaskHead> heads() {
        return heads;
    }

    /**
     * Runs one head in a fresh scope and copies its outputs to Java arrays.
     *
     * @param headId e.g. {@code "vlmo-itm"}
     * @param input builds the head input in the call's scope
     * @return output name → values (row-major)
     * @throws InvalidInputException for a head this checkpoint has no weights for
     */
    public Map<String, float[]> run(String headId, Function<NDManager, HeadInput> input) {
        TaskHead h = heads.get(headId);
        if (h == null) {
            throw new InvalidInputException("this VLMo checkpoint has no " + headId + " head; heads: " + heads.keySet());
        }
        try (NDManager scope = weights.newSubManager()) {
            NDList out = h.forward(encoder, input.apply(scope), scope);
            List<String> names = h.outputNames();
            Map<String, float[]> r = new LinkedHashMap<>();
            for (int i = 0; i < out.size(); i++) {
                NDArray a = out.get(i);
                r.put(i < names.size() ? names.get(i) : "output" + i, a.toFloatArray());
            }
            return r;
        }
    }

    @Override
    public void close() {
        weights.close();
    }

    @Override
    public String toString() {
        return "Vlmo[" + layout.summary() + ", heads " + heads.keySet() + "]\n" + encoder;
    }
}
