package dev.beit3.core.checkpoint;

import dev.beit3.api.Api;
import dev.beit3.api.ModelFamily;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a checkpoint holds, derived from its keys and shapes alone: the model family, the backbone
 * size and the task head. Sizes are 0 when they cannot be derived.
 *
 * @param family BEIT3, VLMO or UNKNOWN
 * @param dim hidden size D
 * @param layers number of transformer layers
 * @param ffnDim FFN hidden size
 * @param patchSize patch size (from the patch-projection kernel)
 * @param imageSize image size the vision position table was trained for (patch × √positions)
 * @param vocabSize text vocabulary size
 * @param finalLayerNorm whether the encoder's final LayerNorm is present
 * @param head detected task head: {@code imageclassification}, {@code vqa}, {@code nlvr2},
 *     {@code captioning}, {@code retrieval}, {@code pretrained}, or {@code none}
 * @param numClasses output classes of a classification head (0 if none)
 * @param vlExpertStartLayer VLMo: first layer with a vision-language expert (-1 if none)
 * @param headModules top-level modules outside the backbone, in file order (e.g. {@code fc_norm}, {@code head})
 * @param tensorCount number of tensors
 * @param parameterCount number of elements over all tensors
 * @param dtypes tensors per element type
 */
@Api(status = Api.Status.STABLE)
public record CheckpointSummary(Family family, int dim, int layers, int ffnDim, int patchSize, int imageSize,
        int vocabSize, boolean finalLayerNorm, String head, int numClasses, int vlExpertStartLayer,
        List<String> headModules, int tensorCount, long parameterCount, Map<DType, Integer> dtypes) {

    /** The model family recognized from the key layout. */
    public enum Family {
        /** BEiT-3 (torchscale {@code beit3.*} keys). */
        BEIT3,
        /** VLMo ({@code transformer.blocks.*} keys). */
        VLMO,
        /** Neither. */
        UNKNOWN;

        /**
         * The matching API family.
         *
         * @return the family, or empty for UNKNOWN
         */
        public Optional<ModelFamily> modelFamily() {
            return switch (this) {
                case BEIT3 -> Optional.of(ModelFamily.BEIT3);
                case VLMO -> Optional.of(ModelFamily.VLMO);
                case UNKNOWN -> Optional.empty();
            };
        }

        /**
         * A display name.
         *
         * @return "BEiT-3", "VLMo" or "unknown model"
         */
        public String displayName() {
            return modelFamily().map(ModelFamily::displayName).orElse("unknown model");
        }
    }

    private static final Pattern BEIT3_LAYER = Pattern.compile("^beit3\\.encoder\\.layers\\.(\\d+)\\.");
    private static final Pattern VLMO_LAYER = Pattern.compile("^transformer\\.blocks\\.(\\d+)\\.");

    /**
     * Freezes the collections.
     */
    public CheckpointSummary {
        headModules = List.copyOf(headModules);
        dtypes = Collections.unmodifiableMap(new EnumMap<>(dtypes.isEmpty() ? new EnumMap<>(DType.class) : dtypes));
    }

    /**
     * Summarizes a checkpoint.
     *
     * @param c the checkpoint
     * @return the summary
     */
    public static CheckpointSummary of(Checkpoint c) {
        // shapes only: a checkpoint opened lazily is summarized without reading (materialising) any tensor
        Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        for (String k : c.tensors().keySet()) {
            shapes.put(k, c.shape(k).orElseThrow());
        }
        return of(shapes, c.dtypeHistogram(), c.parameterCount());
    }

    static CheckpointSummary of(Map<String, long[]> t, Map<DType, Integer> dtypes, long params) {
        if (t.keySet().stream().anyMatch(k -> k.startsWith("beit3."))) {
            return beit3(t, dtypes, params);
        }
        if (t.keySet().stream().anyMatch(k -> k.startsWith("transformer.blocks."))) {
            return vlmo(t, dtypes, params);
        }
        return new CheckpointSummary(Family.UNKNOWN, 0, 0, 0, 0, 0, 0, false, "none", 0, -1,
                List.of(), t.size(), params, dtypes);
    }

    private static CheckpointSummary beit3(Map<String, long[]> t, Map<DType, Integer> dtypes, long params) {
        int dim = (int) dimOf(t, "beit3.vision_embed.proj.weight", 0, dimOf(t, "beit3.text_embed.weight", 1, 0));
        int layers = countLayers(t, BEIT3_LAYER);
        int ffn = (int) dimOf(t, "beit3.encoder.layers.0.ffn.A.fc1.weight", 0,
                dimOf(t, "beit3.encoder.layers.0.ffn.B.fc1.weight", 0, 0));
        int patch = (int) dimOf(t, "beit3.vision_embed.proj.weight", 2, 0);
        int grid = sqrtExact(dimOf(t, "beit3.encoder.embed_positions.A.weight", 0, 0) - 3);
        int vocab = (int) dimOf(t, "beit3.text_embed.weight", 0, 0);
        boolean finalLn = t.containsKey("beit3.encoder.layer_norm.A.weight");
        String head;
        int classes = 0;
        if (t.containsKey("head.dense1.weight")) {
            head = "nlvr2";
            classes = (int) dimOf(t, "head.dense2.weight", 0, 0);
        } else if (t.containsKey("pooler.dense.weight") && t.containsKey("head.0.weight")) {
            head = "vqa";
            classes = (int) dimOf(t, "head.3.weight", 0, 0);
        } else if (t.containsKey("fc_norm.weight") && t.containsKey("head.weight")) {
            head = "imageclassification";
            classes = (int) dimOf(t, "head.weight", 0, 0);
        } else if (t.containsKey("vision_head.weight") && t.containsKey("language_head.weight")) {
            head = "retrieval";
        } else if (t.containsKey("mlm_head.weight") && t.containsKey("mim_head.weight")) {
            head = "pretrained";
        } else if (t.containsKey("mlm_head.weight")) {
            head = "captioning";
        } else {
            head = "none";
        }
        return new CheckpointSummary(Family.BEIT3, dim, layers, ffn, patch, grid * patch, vocab, finalLn, head,
                classes, -1, headModules(t, "beit3."), t.size(), params, dtypes);
    }

    private static CheckpointSummary vlmo(Map<String, long[]> t, Map<DType, Integer> dtypes, long params) {
        int dim = (int) dimOf(t, "transformer.patch_embed.proj.weight", 0,
                dimOf(t, "text_embeddings.word_embeddings.weight", 1, 0));
        int layers = countLayers(t, VLMO_LAYER);
        int ffn = (int) dimOf(t, "transformer.blocks.0.mlp_imag.fc1.weight", 0,
                dimOf(t, "transformer.blocks.0.mlp_text.fc1.weight", 0, 0));
        int patch = (int) dimOf(t, "transformer.patch_embed.proj.weight", 2, 0);
        int grid = 0;
        if (t.containsKey("transformer.pos_embed")) {
            grid = sqrtExact(dimOf(t, "transformer.pos_embed", 1, 0) - 1);
        } else if (t.containsKey("relative_position_index")) {
            grid = sqrtExact(dimOf(t, "relative_position_index", 0, 0) - 1);
        }
        int vocab = (int) dimOf(t, "text_embeddings.word_embeddings.weight", 0, 0);
        boolean finalLn = t.containsKey("transformer.norm.weight");
        int vlStart = -1;
        for (int i = 0; i < layers; i++) {
            if (t.containsKey("transformer.blocks." + i + ".mlp_vl.fc1.weight")) {
                vlStart = i;
                break;
            }
        }
        String head;
        int classes = 0;
        if (t.containsKey("vqa_classifier.0.weight")) {
            head = "vqa";
            classes = (int) dimOf(t, "vqa_classifier.3.weight", 0, 0);
        } else if (t.containsKey("nlvr2_classifier.0.weight")) {
            head = "nlvr2";
            classes = (int) dimOf(t, "nlvr2_classifier.3.weight", 0, 0);
        } else if (t.keySet().stream().anyMatch(k -> k.startsWith("mlm_score."))) {
            head = "pretrained";
        } else if (t.keySet().stream().anyMatch(k -> k.startsWith("itm_score.") || k.startsWith("itc_"))) {
            head = "retrieval";
        } else {
            head = "none";
        }
        return new CheckpointSummary(Family.VLMO, dim, layers, ffn, patch, grid * patch, vocab, finalLn, head,
                classes, vlStart, headModules(t, "transformer.", "text_embeddings.", "token_type_embeddings.",
                        "relative_position_", "text_relative_position_index", "text_imag_relative_position_index"),
                t.size(), params, dtypes);
    }

    private static List<String> headModules(Map<String, long[]> t, String... backbone) {
        Set<String> out = new LinkedHashSet<>();
        outer:
        for (String k : t.keySet()) {
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

    /**
     * A one-line description, e.g. {@code "BEiT-3, dim 768, 12 layers, retrieval head"}.
     *
     * @return the description
     */
    public String describe() {
        if (family == Family.UNKNOWN) {
            return "unknown model family, " + tensorCount + " tensors";
        }
        String h = switch (head) {
            case "none" -> "no task head";
            case "pretrained" -> "pre-training heads";
            default -> head + " head";
        };
        return family.displayName() + ", dim " + dim + ", " + layers + " layers, " + h;
    }
}
