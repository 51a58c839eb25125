package dev.beit3.api;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The per-task settings of the reference fine-tuning code (architecture doc, table a.3).
 *
 * @param name task name, also the id of the head that serves it (e.g. {@code "vqa"})
 * @param imageSize default image side S of the released checkpoints of the task
 * @param maxTextTokens text segment length used by the reference datasets (0 when the task reads no text)
 * @param finalLayerNorm whether the encoder keeps its final LayerNorm for the task
 * @param usesVision whether the task reads images
 * @param usesText whether the task reads text
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record TaskPreset(
        String name, int imageSize, int maxTextTokens, boolean finalLayerNorm, boolean usesVision, boolean usesText) {

    /** The bare pretrained backbone. */
    public static final TaskPreset PRETRAINED = new TaskPreset("pretrained", 224, 64, true, true, true);
    /** ImageNet-1k classification: no final LayerNorm, vision only. */
    public static final TaskPreset IMAGE_CLASSIFICATION =
            new TaskPreset("imageclassification", 224, 0, false, true, false);
    /** VQAv2 at 480 px: no final LayerNorm. */
    public static final TaskPreset VQA = new TaskPreset("vqa", 480, 64, false, true, true);
    /** NLVR2 at 224 px. */
    public static final TaskPreset NLVR2 = new TaskPreset("nlvr2", 224, 64, true, true, true);
    /** COCO / NoCaps captioning at 480 px (32 text slots in the published runs). */
    public static final TaskPreset CAPTIONING = new TaskPreset("captioning", 480, 32, true, true, true);
    /** COCO / Flickr30k retrieval at 384 px. */
    public static final TaskPreset RETRIEVAL = new TaskPreset("retrieval", 384, 64, true, true, true);

    /**
     * All built-in presets in table order.
     *
     * @return the presets
     */
    public static List<TaskPreset> all() {
        return List.of(PRETRAINED, IMAGE_CLASSIFICATION, VQA, NLVR2, CAPTIONING, RETRIEVAL);
    }

    /**
     * Finds a built-in preset by name (case-insensitive).
     *
     * @param name the task name
     * @return the preset, if any
     */
    public static Optional<TaskPreset> byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return all().stream().filter(p -> p.name.equals(n)).findFirst();
    }
}
