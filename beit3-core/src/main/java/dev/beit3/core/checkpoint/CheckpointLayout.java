package dev.beit3.core.checkpoint;

import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.plugin.ProviderRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a checkpoint's key/shape index says about the model, read without touching a tensor's bytes: the family,
 * the dimensions, and which registered heads' {@link HeadProvider#signatureKeys() signature keys} all occur. The
 * one reader of checkpoint dimensions: the loader, the trainer, {@link CheckpointSummary} and the command line
 * take them from here. Sizes are 0 when the index does not hold them; {@link #requireBeit3()} checks that a
 * BEiT-3 model can be built from it.
 *
 * <p>BEiT-3 (architecture doc b.3): D and V from the text embedding (D also from the patch projection), F from
 * layer 0's FFN, P from the patch convolution, S = P·√(rows − 3) from the vision positions, the text positions
 * from their table, L from the layer indices, the final norm from its keys. VLMo: D, V, F, P, L, the first layer
 * with a vision-language expert, S from {@code pos_embed} or {@code relative_position_index}.
 *
 * @param source where the index comes from (the file, or a description of tensors in memory), for messages
 * @param name the file name (or {@code source} when there is no file), for messages
 * @param shapes every key's shape, in file order
 * @param family the model family the keys belong to, or null when they are neither BEiT-3's nor VLMo's
 * @param dim hidden size D
 * @param layers number of transformer layers L
 * @param ffnDim FFN hidden size F
 * @param patchSize patch size P
 * @param imageSize image size S the vision position table was trained for
 * @param vocabSize text vocabulary size V
 * @param textPositions rows of the text position table (BEiT-3; 0 for VLMo, whose layout reads its own)
 * @param finalLayerNorm whether the encoder's final LayerNorm is present
 * @param vlExpertStartLayer VLMo: first layer with a vision-language expert (-1 if none)
 * @param matchingHeads ids of the registered heads of this family whose signature keys all occur, the most
 *     specific (most signature keys) first; empty when the layout was read without a registry
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record CheckpointLayout(String source, String name, Map<String, long[]> shapes, ModelFamily family, int dim,
        int layers, int ffnDim, int patchSize, int imageSize, int vocabSize, int textPositions, boolean finalLayerNorm,
        int vlExpertStartLayer, List<String> matchingHeads) {

    private static final Pattern BEIT3_LAYER = Pattern.compile("^beit3\\.encoder\\.layers\\.(\\d+)\\.");
    private static final Pattern VLMO_LAYER = Pattern.compile("^transformer\\.blocks\\.(\\d+)\\.");
    private static final String TEXT_EMBED = "beit3.text_embed.weight";

    /** Freezes the collections. */
    public CheckpointLayout {
        shapes = Collections.unmodifiableMap(new LinkedHashMap<>(shapes));
        matchingHeads = List.copyOf(matchingHeads);
    }

    /**
     * Reads only the index of a checkpoint file (keys, dtypes, shapes; no tensor bytes), without heads.
     *
     * @param file a {@code .pth}/{@code .pt} or safetensors file
     * @return the layout
     * @throws IOException when the file cannot be read
     * @throws CheckpointException when it is not a checkpoint
     */
    public static CheckpointLayout read(Path file) throws IOException {
        return of(Checkpoint.open(file));
    }

    /**
     * The layout of a checkpoint, without head matching ({@link #matchingHeads()} empty).
     *
     * @param c the checkpoint (opened or read)
     * @return the layout
     */
    public static CheckpointLayout of(Checkpoint c) {
        return of(c, null);
    }

    /**
     * The layout of a checkpoint, with the registry's heads matched against its keys.
     *
     * @param c the checkpoint (opened or read: only shapes are read)
     * @param registry the heads to match, or null for none
     * @return the layout
     */
    public static CheckpointLayout of(Checkpoint c, ProviderRegistry registry) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String k : c.tensors().keySet()) {
            shapes.put(k, c.shape(k).orElseThrow());
        }
        return of(shapes, c.source().toString(), String.valueOf(c.source().getFileName()), registry);
    }

    /**
     * The layout of tensors in memory (e.g. a state dict being trained).
     *
     * @param tensors the state dict, in checkpoint order
     * @param source where the tensors come from, for messages
     * @param registry the heads to match, or null for none
     * @return the layout
     */
    public static CheckpointLayout ofTensors(Map<String, TensorData> tensors, String source, ProviderRegistry registry) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((k, t) -> shapes.put(k, t.shape()));
        return of(shapes, source, source, registry);
    }

    /**
     * The layout of a key/shape index.
     *
     * @param shapes every key's shape, in file order
     * @param source where the index comes from, for messages
     * @param name the file name, for messages
     * @param registry the heads to match, or null for none
     * @return the layout
     */
    public static CheckpointLayout of(Map<String, long[]> shapes, String source, String name, ProviderRegistry registry) {
        ModelFamily family = shapes.keySet().stream().anyMatch(k -> k.startsWith("beit3.")) ? ModelFamily.BEIT3
                : shapes.keySet().stream().anyMatch(k -> k.startsWith("transformer.blocks.")) ? ModelFamily.VLMO : null;
        List<String> heads = family == null || registry == null ? List.of() : matching(shapes, family, registry);
        if (ModelFamily.BEIT3.equals(family)) {
            int patch = (int) dimOf(shapes, "beit3.vision_embed.proj.weight", 2, 0);
            return new CheckpointLayout(source, name, shapes, family,
                    (int) dimOf(shapes, "beit3.vision_embed.proj.weight", 0, dimOf(shapes, TEXT_EMBED, 1, 0)),
                    countLayers(shapes, BEIT3_LAYER),
                    (int) dimOf(shapes, "beit3.encoder.layers.0.ffn.A.fc1.weight", 0,
                            dimOf(shapes, "beit3.encoder.layers.0.ffn.B.fc1.weight", 0, 0)),
                    patch, sqrtExact(dimOf(shapes, "beit3.encoder.embed_positions.A.weight", 0, 0) - 3) * patch,
                    (int) dimOf(shapes, TEXT_EMBED, 0, 0),
                    (int) dimOf(shapes, "beit3.encoder.embed_positions.B.weight", 0, 0),
                    shapes.containsKey("beit3.encoder.layer_norm.A.weight"), -1, heads);
        }
        if (ModelFamily.VLMO.equals(family)) {
            int layers = countLayers(shapes, VLMO_LAYER);
            int grid = 0;
            if (shapes.containsKey("transformer.pos_embed")) {
                grid = sqrtExact(dimOf(shapes, "transformer.pos_embed", 1, 0) - 1);
            } else if (shapes.containsKey("relative_position_index")) {
                grid = sqrtExact(dimOf(shapes, "relative_position_index", 0, 0) - 1);
            }
            int vlStart = -1;
            for (int i = 0; i < layers; i++) {
                if (shapes.containsKey("transformer.blocks." + i + ".mlp_vl.fc1.weight")) {
                    vlStart = i;
                    break;
                }
            }
            int patch = (int) dimOf(shapes, "transformer.patch_embed.proj.weight", 2, 0);
            return new CheckpointLayout(source, name, shapes, family,
                    (int) dimOf(shapes, "transformer.patch_embed.proj.weight", 0,
                            dimOf(shapes, "text_embeddings.word_embeddings.weight", 1, 0)),
                    layers,
                    (int) dimOf(shapes, "transformer.blocks.0.mlp_imag.fc1.weight", 0,
                            dimOf(shapes, "transformer.blocks.0.mlp_text.fc1.weight", 0, 0)),
                    patch, grid * patch, (int) dimOf(shapes, "text_embeddings.word_embeddings.weight", 0, 0), 0,
                    shapes.containsKey("transformer.norm.weight"), vlStart, heads);
        }
        return new CheckpointLayout(source, name, shapes, null, 0, 0, 0, 0, 0, 0, 0, false, -1, List.of());
    }

    /** The family's heads whose signature keys all occur, the most specific first (ties by id). */
    private static List<String> matching(Map<String, long[]> shapes, ModelFamily family, ProviderRegistry registry) {
        List<HeadProvider> hs = new ArrayList<>();
        for (HeadProvider h : registry.heads().values()) {
            if (family.equals(h.family()) && !h.signatureKeys().isEmpty() && shapes.keySet().containsAll(h.signatureKeys())) {
                hs.add(h);
            }
        }
        hs.sort(Comparator.comparingInt((HeadProvider h) -> -h.signatureKeys().size()).thenComparing(HeadProvider::id));
        return hs.stream().map(HeadProvider::id).toList();
    }

    /**
     * Whether the index holds a key.
     *
     * @param key a state-dict key
     * @return true when present
     */
    public boolean has(String key) {
        return shapes.containsKey(key);
    }

    /**
     * Checks that a BEiT-3 encoder can be built from this index: the family, every dimension's key, a square
     * patch grid.
     *
     * @return this
     * @throws CheckpointException naming what is missing (and pointing VLMo checkpoints to {@code Vlmo.load})
     */
    public CheckpointLayout requireBeit3() {
        if (!shapes.containsKey(TEXT_EMBED)) {
            boolean vlmo = shapes.keySet().stream().anyMatch(k -> k.startsWith("transformer.blocks."));
            throw new CheckpointException(source + " is not a BEiT-3 checkpoint: it has no key " + TEXT_EMBED
                    + (vlmo ? " (its keys transformer.blocks.* are VLMo's; load it with Vlmo.load(path))"
                    : "; first keys: " + shapes.keySet().stream().limit(5).toList()));
        }
        for (String k : List.of("beit3.encoder.layers.0.ffn.A.fc1.weight", "beit3.vision_embed.proj.weight",
                "beit3.encoder.embed_positions.A.weight", "beit3.encoder.embed_positions.B.weight")) {
            if (!shapes.containsKey(k)) {
                throw new CheckpointException("checkpoint " + source + " has no key " + k
                        + " (every BEiT-3 checkpoint has it); is the file complete?");
            }
        }
        long rows = shapes.get("beit3.encoder.embed_positions.A.weight")[0];
        if (sqrtExact(rows - 3) == 0) {
            throw new CheckpointException("beit3.encoder.embed_positions.A.weight has " + rows
                    + " rows; expected 3 + a square number of patches");
        }
        return this;
    }

    /**
     * D/64 heads as in the released base (12) and large (16) models.
     *
     * @return the number of attention heads
     * @throws CheckpointException when D is not a multiple of 64
     */
    public int defaultHeads() {
        if (dim % 64 != 0) {
            throw new CheckpointException("cannot infer the number of attention heads of a model with width " + dim
                    + " (released models use D/64); set it with Beit3.builder().attentionHeads(h)");
        }
        return dim / 64;
    }

    /**
     * The BEiT-3 encoder configuration of this index (LayerNorm ε 1e-5); call {@link #requireBeit3()} first.
     *
     * @param heads attention heads H
     * @param imageSize image side S, or 0 for the checkpoint's own
     * @return the configuration
     * @throws IllegalArgumentException when the values do not form a valid configuration
     */
    public EncoderConfig beit3Config(int heads, int imageSize) {
        return new EncoderConfig(ModelFamily.BEIT3, dim, heads, layers, ffnDim, patchSize,
                imageSize > 0 ? imageSize : this.imageSize, vocabSize, textPositions, 1e-5, finalLayerNorm, layers);
    }

    /**
     * The head this index was fine-tuned for: the most specific matching head.
     *
     * @param registry the registry the layout was matched against (named in the message)
     * @return the head id
     * @throws CheckpointException when no registered head recognises the keys
     */
    public String detectHead(ProviderRegistry registry) {
        if (matchingHeads.isEmpty()) {
            throw new CheckpointException("no registered head recognises the keys of " + source
                    + " (a pretrained backbone has no task head); name one with head(id); heads: "
                    + registry.heads().keySet());
        }
        return matchingHeads.get(0);
    }

    /**
     * Fails when a head's signature keys are missing, naming them and the heads the checkpoint supports.
     *
     * @param head the head to be built
     * @throws CheckpointException naming the missing keys
     */
    public void requireHead(HeadProvider head) {
        List<String> missing = head.signatureKeys().stream().filter(k -> !shapes.containsKey(k)).sorted().toList();
        if (!missing.isEmpty()) {
            throw new CheckpointException("checkpoint " + name + " has no weights for the " + head.id()
                    + " head: missing " + missing + "; heads this checkpoint supports: " + matchingHeads
                    + " (a pretrained backbone supports none)");
        }
    }

    /**
     * Top-level modules outside the backbone, in file order (e.g. {@code fc_norm}, {@code head}).
     *
     * @return the module names
     */
    public List<String> headModules() {
        List<String> backbone = ModelFamily.VLMO.equals(family)
                ? List.of("transformer.", "text_embeddings.", "token_type_embeddings.", "relative_position_",
                        "text_relative_position_index", "text_imag_relative_position_index")
                : List.of("beit3.");
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        outer:
        for (String k : shapes.keySet()) {
            for (String b : backbone) {
                if (k.startsWith(b)) {
                    continue outer;
                }
            }
            int dot = k.indexOf('.');
            out.add(dot < 0 ? k : k.substring(0, dot));
        }
        return new ArrayList<>(out);
    }

    /**
     * One axis of a key's shape.
     *
     * @param key the key
     * @param axis the axis
     * @return the size, or 0 when the key or axis is absent
     */
    public long size(String key, int axis) {
        return dimOf(shapes, key, axis, 0);
    }

    private static long dimOf(Map<String, long[]> t, String key, int axis, long fallback) {
        long[] s = t.get(key);
        if (s == null) {
            return fallback;
        }
        return axis < s.length ? s[axis] : fallback;
    }

    private static int countLayers(Map<String, long[]> t, Pattern p) {
        int max = -1;
        for (String k : t.keySet()) {
            Matcher m = p.matcher(k);
            if (m.find()) {
                max = Math.max(max, Integer.parseInt(m.group(1)));
            }
        }
        return max + 1;
    }

    private static int sqrtExact(long n) {
        if (n <= 0) {
            return 0;
        }
        long r = Math.round(Math.sqrt((double) n));
        return r * r == n ? (int) r : 0;
    }

    @Override
    public String toString() {
        return "CheckpointLayout[" + name + ", " + (family == null ? "unknown" : family.displayName()) + ", dim " + dim
                + ", " + layers + " layers, heads " + matchingHeads + "]";
    }
}
