package dev.beit3.core.checkpoint;

import dev.beit3.api.Api;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.plugin.ProviderRegistry;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a checkpoint holds, derived from its keys and shapes alone (its {@link CheckpointLayout}): the model
 * family, the backbone size and the task head, for printing ({@code beit3 inspect}). Sizes are 0 when they
 * cannot be derived.
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
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
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

    /**
     * Freezes the collections.
     */
    public CheckpointSummary {
        headModules = List.copyOf(headModules);
        dtypes = Collections.unmodifiableMap(new EnumMap<>(dtypes.isEmpty() ? new EnumMap<>(DType.class) : dtypes));
    }

    /**
     * Summarizes a checkpoint from its {@link CheckpointLayout}: the task head is the most specific registered
     * head whose {@link dev.beit3.api.HeadProvider#signatureKeys() signature keys} all occur, named by its task
     * (see {@link #head()}); with no registered head of the family it is {@code none}.
     *
     * @param c the checkpoint (opened or read: only shapes are read)
     * @param registry the heads to recognise
     * @return the summary
     */
    public static CheckpointSummary of(Checkpoint c, ProviderRegistry registry) {
        return of(CheckpointLayout.of(c, registry), c.dtypeHistogram(), c.parameterCount());
    }

    static CheckpointSummary of(CheckpointLayout l, Map<DType, Integer> dtypes, long params) {
        if (l.family() == null) {
            return new CheckpointSummary(Family.UNKNOWN, 0, 0, 0, 0, 0, 0, false, "none", 0, -1,
                    List.of(), l.shapes().size(), params, dtypes);
        }
        String head = task(l);
        return new CheckpointSummary(ModelFamily.VLMO.equals(l.family()) ? Family.VLMO : Family.BEIT3, l.dim(), l.layers(),
                l.ffnDim(), l.patchSize(), l.imageSize(), l.vocabSize(), l.finalLayerNorm(), head,
                classes(l, head), l.vlExpertStartLayer(), l.headModules(), l.shapes().size(), params, dtypes);
    }

    /**
     * The task word of the matched heads. BEiT-3 heads are named after their task; a BEiT-3 match whose keys
     * come with the masked-image-modeling head of pre-training ({@code mim_head}, which no head provider reads) is
     * a pre-training checkpoint. VLMo heads are named after their objectives ({@code vlmo-<objective>}): a
     * fine-tuning objective (vqa, nlvr2) names the task, the MLM objective marks pre-training, ITM/ITC retrieval.
     */
    private static String task(CheckpointLayout l) {
        List<String> heads = l.matchingHeads();
        if (heads.isEmpty()) {
            return "none";
        }
        if (ModelFamily.BEIT3.equals(l.family())) {
            return heads.get(0).equals("captioning") && l.headModules().contains("mim_head") ? "pretrained" : heads.get(0);
        }
        List<String> objectives = heads.stream().map(h -> h.startsWith("vlmo-") ? h.substring(5) : h).toList();
        for (String fineTuned : List.of("vqa", "nlvr2")) {
            if (objectives.contains(fineTuned)) {
                return fineTuned;
            }
        }
        return objectives.contains("mlm") ? "pretrained" : "retrieval";
    }

    /** Output classes of a classifying head: the rows of its last linear layer. */
    private static int classes(CheckpointLayout l, String head) {
        String key = switch (ModelFamily.VLMO.equals(l.family()) ? "vlmo-" + head : head) {
            case "nlvr2" -> "head.dense2.weight";
            case "vqa" -> "head.3.weight";
            case "imageclassification" -> "head.weight";
            case "vlmo-vqa" -> "vqa_classifier.3.weight";
            case "vlmo-nlvr2" -> "nlvr2_classifier.3.weight";
            default -> "";
        };
        return (int) l.size(key, 0);
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
