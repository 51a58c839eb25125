package dev.beit3.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.HeadInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.RoutingPlan;
import dev.beit3.api.TaskHead;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.plugin.ProviderRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A loaded VLMo checkpoint: the encoder assembled by the VLMo plugin (module beit3-vlmo, found through
 * {@link dev.beit3.core.load.EncoderAssemblyProvider}), every VLMo head
 * whose keys the checkpoint holds, and the model's weights, which {@link #close()} frees.
 *
 * <pre>{@code
 * try (Vlmo m = Vlmo.load(Path.of("vlmo_base_patch16_224.pt"))) {
 *     System.out.println(m.plan());                 // which expert serves which span, per layer
 *     Map<String, float[]> r = m.run("vlmo-itm", s -> HeadInput.ofImageText(images, ids, padding));
 * }
 * }</pre>
 *
 * <p>Thread-safe after loading: every call runs in its own scope.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class Vlmo implements AutoCloseable {
    private final String summary;
    private final MultiwayEncoder encoder;
    private final Map<String, TaskHead> heads;
    private final NDManager weights;

    private Vlmo(String summary, MultiwayEncoder encoder, Map<String, TaskHead> heads, NDManager weights) {
        this.summary = summary;
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
     * @throws dev.beit3.api.ProviderException when a plugin (e.g. beit3-vlmo) is missing
     */
    public static Vlmo load(Path checkpoint) {
        return loadWith(checkpoint, null, 0, 0); // the loader discovers the providers, once
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
     * @throws dev.beit3.api.ProviderException when a plugin (e.g. beit3-vlmo) is missing
     */
    public static Vlmo load(Path checkpoint, ProviderRegistry registry, int heads, int imageSize) {
        return loadWith(checkpoint, Objects.requireNonNull(registry, "registry"), heads, imageSize);
    }

    /** Loads through the one loader; {@code registry} null: discovered by the loader. */
    private static Vlmo loadWith(Path checkpoint, ProviderRegistry registry, int heads, int imageSize) {
        dev.beit3.core.load.EncoderAssembly assembly = dev.beit3.core.load.EncoderAssemblyProvider.forFamily(
                dev.beit3.api.ModelFamily.VLMO, heads, imageSize);
        // the linear layers follow -Dbeit3.kernels as Checkpoint.weights(manager) does: DJL unless it names another
        String kernelsId = System.getProperty(dev.beit3.core.kernels.KernelSelection.KERNELS_PROPERTY, "").strip();
        boolean reference = kernelsId.isEmpty() || kernelsId.equals("auto")
                || kernelsId.equals(dev.beit3.core.kernels.DjlKernelProvider.ID);
        dev.beit3.core.load.LoadRequest.Builder request = dev.beit3.core.load.LoadRequest.builder().checkpoint(checkpoint)
                .registry(registry).heads(dev.beit3.core.load.LoadRequest.Heads.ALL_MATCHING).assembly(assembly);
        if (reference) {
            request.kernels((dev.beit3.api.Kernels) null);
        } else {
            request.kernels(kernelsId, null);
        }
        dev.beit3.core.load.LoadedModel m = dev.beit3.core.load.ModelLoader.load(request.build());
        if (m.kernels() != null) {
            // closed with the weights, as Checkpoint.weights(manager) attaches it
            m.weights().attachInternal("beit3-kernels-" + java.util.UUID.randomUUID(), m.kernels().kernels());
        }
        Map<String, TaskHead> hs = new LinkedHashMap<>();
        for (dev.beit3.core.load.LoadedModel.Head h : m.heads()) {
            hs.put(h.provider().id(), h.head());
        }
        return new Vlmo(assembly.describe(m.config()), m.encoder(), java.util.Collections.unmodifiableMap(hs), m.weights());
    }

    /**
     * What the loader read off the checkpoint: dimensions, layers, the first vision-language layer, the heads.
     *
     * @return one line
     */
    public String summary() {
        return summary;
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
        return "Vlmo[" + summary + ", heads " + heads.keySet() + "]\n" + encoder;
    }
}
