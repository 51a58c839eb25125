package dev.beit3.core.checkpoint;

import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key layout of the Hugging Face BEiT-3 port (transformers pull request #22289, never merged), used by the
 * community conversions on the hub ({@code Raghavan/beit3_base_patch16_224_in1k} and others), mapped to and
 * from the layout of the released unilm checkpoints that this library reads.
 *
 * <p>The port's conversion script renames unilm keys by substring, in this order: {@code head → classifier},
 * {@code text_embed → text_embedding}, {@code vision_embed → vision_embedding}, {@code k_proj → key_proj},
 * {@code q_proj → query_proj}, {@code v_proj → value_proj}, branch {@code A → image}, {@code B → text},
 * {@code layer_norm → fc_norm} (undone for {@code self_attn_layer_norm} and {@code final_layer_norm}, so only the
 * encoder's final norm becomes {@code encoder.fc_norm}), {@code vision_embedding.proj →
 * vision_embedding.projection}; for VQA the pooler moves under {@code beit3.}. {@link #toHf} reproduces that
 * rename; {@link #fromHf} inverts it component by component.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class HfLayout {
    /** The name {@code beit3 inspect} prints for this layout. */
    public static final String NAME = "Hugging Face (transformers PR #22289)";
    /** The name of the released unilm layout. */
    public static final String UNILM = "unilm (released BEiT-3)";

    private static final String[][] RENAMES = {
        {"head", "classifier"}, {"text_embed", "text_embedding"}, {"vision_embed", "vision_embedding"},
        {"k_proj", "key_proj"}, {"q_proj", "query_proj"}, {"v_proj", "value_proj"}, {"A", "image"}, {"B", "text"},
        {"layer_norm", "fc_norm"}, {"self_attn_fc_norm", "self_attn_layer_norm"}, {"final_fc_norm", "final_layer_norm"},
        {"vision_embedding.proj", "vision_embedding.projection"},
    };
    private static final Pattern LAYER = Pattern.compile("^beit3\\.encoder\\.layers\\.(\\d+)\\.");

    private HfLayout() {}

    /**
     * Whether the keys are in this layout (a BEiT-3 backbone named the port's way).
     *
     * @param keys state-dict keys
     * @return true for the Hugging Face layout
     */
    public static boolean recognises(Iterable<String> keys) {
        for (String k : keys) {
            if (k.startsWith("beit3.text_embedding.") || k.startsWith("beit3.vision_embedding.")
                    || (k.startsWith("beit3.encoder.layers.") && k.contains(".self_attn.key_proj."))) {
                return true;
            }
        }
        return false;
    }

    /**
     * One unilm key in the Hugging Face layout, exactly as the port's conversion script renames it.
     *
     * @param key a unilm key, e.g. {@code beit3.encoder.layers.0.self_attn.k_proj.A.weight}
     * @return e.g. {@code beit3.encoder.layers.0.self_attn.key_proj.image.weight}
     */
    public static String toHf(String key) {
        String k = key;
        for (String[] r : RENAMES) {
            k = k.replace(r[0], r[1]);
        }
        if (k.startsWith("pooler.")) {
            k = "beit3." + k; // the VQA pooler lives in the port's Beit3Model
        }
        return k;
    }

    /**
     * One Hugging Face key in the unilm layout.
     *
     * @param key a key of the port
     * @return the unilm key; a key the port never writes is returned unchanged
     */
    public static String fromHf(String key) {
        String k = key;
        if (k.startsWith("beit3.pooler.")) {
            k = k.substring("beit3.".length());
        }
        k = k.replace("beit3.vision_embedding.projection.", "beit3.vision_embed.proj.")
                .replace("beit3.vision_embedding.", "beit3.vision_embed.")
                .replace("beit3.text_embedding.", "beit3.text_embed.")
                .replace("beit3.encoder.fc_norm.", "beit3.encoder.layer_norm.");
        String[] parts = k.split("\\.", -1);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = switch (parts[i]) {
                case "image" -> "A";
                case "text" -> "B";
                case "key_proj" -> "k_proj";
                case "query_proj" -> "q_proj";
                case "value_proj" -> "v_proj";
                case "classifier" -> "head";
                case "vision_classifier" -> "vision_head";
                case "language_classifier" -> "language_head";
                case "mlm_classifier" -> "mlm_head";
                case "mim_classifier" -> "mim_head";
                default -> parts[i];
            };
        }
        return String.join(".", parts);
    }

    /**
     * A unilm state dict renamed to the Hugging Face layout (order and tensors kept; the tensors carry their new
     * names).
     *
     * @param tensors unilm tensors
     * @return the same tensors under the port's keys
     */
    public static Map<String, TensorData> toHf(Map<String, TensorData> tensors) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String k = toHf(e.getKey());
            TensorData t = e.getValue();
            if (out.put(k, new TensorData(k, t.dtype(), t.shape(), t.data())) != null) {
                throw new CheckpointException("two tensors map to the Hugging Face key " + k);
            }
        }
        return out;
    }

    /**
     * The backbone keys a BEiT-3 checkpoint of {@code layers} layers must have, in the Hugging Face layout
     * (the vision mask token and the final norm are optional, as in the released files).
     */
    static List<String> requiredBackbone(int layers) {
        List<String> u = new ArrayList<>(List.of("beit3.text_embed.weight", "beit3.vision_embed.cls_token",
                "beit3.vision_embed.proj.weight", "beit3.vision_embed.proj.bias",
                "beit3.encoder.embed_positions.A.weight", "beit3.encoder.embed_positions.B.weight"));
        for (int i = 0; i < layers; i++) {
            String p = "beit3.encoder.layers." + i + ".";
            for (String x : new String[] {"A", "B"}) {
                for (String m : new String[] {"self_attn.k_proj." + x, "self_attn.v_proj." + x, "self_attn.q_proj." + x,
                    "self_attn.out_proj." + x, "self_attn.inner_attn_ln." + x, "self_attn_layer_norm." + x,
                    "ffn." + x + ".fc1", "ffn." + x + ".fc2", "ffn." + x + ".ffn_layernorm", "final_layer_norm." + x}) {
                    u.add(p + m + ".weight");
                    u.add(p + m + ".bias");
                }
            }
        }
        return u.stream().map(HfLayout::toHf).toList();
    }

    /**
     * Maps the parts read from a file in the Hugging Face layout to unilm keys, strictly: every backbone key must be
     * present (the message names the missing ones in the port's names), and no two keys may map to one.
     */
    static Checkpoint.Parts fromHf(Checkpoint.Parts parts, String source) {
        Map<String, TensorData> t = parts.tensors();
        int layers = 0;
        for (String k : t.keySet()) {
            Matcher m = LAYER.matcher(k);
            if (m.find()) {
                if (m.group(1).length() > 4) {
                    throw new CheckpointException(source + ": key " + k + " names layer " + m.group(1)
                            + "; BEiT-3 models have at most a few dozen layers");
                }
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        TreeSet<String> missing = new TreeSet<>();
        for (String k : requiredBackbone(layers)) {
            if (!t.containsKey(k)) {
                missing.add(k);
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointException(source + " is in the " + NAME + " layout but incomplete: " + missing.size()
                    + " of the " + layers + "-layer backbone's keys are missing: "
                    + (missing.size() > 12 ? new ArrayList<>(missing).subList(0, 12) + " …" : missing)
                    + "; is the file truncated or of another model?");
        }
        Map<String, String> rename = new LinkedHashMap<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String k : t.keySet()) {
            String u = fromHf(k);
            if (!seen.add(u)) {
                throw new CheckpointException(source + ": the keys " + k + " and another map to " + u
                        + "; the file mixes the Hugging Face and unilm layouts");
            }
            rename.put(k, u);
        }
        Map<String, TensorData> tensors;
        if (t instanceof LazyTensors lazy) {
            Map<String, LazyTensors.Meta> meta = new LinkedHashMap<>();
            Map<String, String> back = new LinkedHashMap<>();
            rename.forEach((hf, u) -> {
                meta.put(u, lazy.meta(hf));
                back.put(u, hf);
            });
            tensors = new LazyTensors(meta, name -> renamed(lazy.get(back.get(name)), name), source);
        } else {
            Map<String, TensorData> m = new LinkedHashMap<>();
            rename.forEach((hf, u) -> m.put(u, renamed(t.get(hf), u)));
            tensors = java.util.Collections.unmodifiableMap(m);
        }
        Map<String, Checkpoint.Origin> origins = new LinkedHashMap<>();
        parts.origins().forEach((k, o) -> origins.put(rename.getOrDefault(k, k), o));
        return new Checkpoint.Parts(tensors, parts.location(), parts.extras(), origins);
    }

    private static TensorData renamed(TensorData t, String name) {
        return new TensorData(name, t.dtype(), t.shape(), t.data());
    }
}
