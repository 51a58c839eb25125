package dev.beit3.train;

import dev.beit3.api.InvalidInputException;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The arrays a training {@link Batch} holds: one constant per batch key of the reference, written by the
 * task's data builder ({@link TrainingData}) and read by the task's objective ({@link Tasks}). Shapes use B
 * for the batch, S for the image side, T for the text length, N for the patches, C for the classes and M for
 * the masked positions of the whole batch.
 */
public enum BatchKey {
    /** Normalised images (B, 3, S, S), float32. */
    IMAGE("image"),
    /** The second image of an NLVR2 pair (B, 3, S, S). */
    IMAGE2("image2"),
    /** Token ids of the text segments (B, T), int64; the labels of captioning and masked language modeling. */
    LANGUAGE_TOKENS("language_tokens"),
    /** 1 at the padded text positions (B, T), int64. */
    PADDING_MASK("padding_mask"),
    /** Integer class labels (B), int64: image classification, NLVR2. */
    LABEL("label"),
    /** Soft VQA answer scores (B, C), float32. */
    LABELS("labels"),
    /** Mixup / CutMix targets (B, C), float32. */
    SOFT_TARGET("soft_target"),
    /** The captioning model input: {@link #LANGUAGE_TOKENS} with the masked positions replaced (B, T). */
    MASKED_TOKENS("masked_tokens"),
    /** 1 at the masked text positions (B, T), int64. */
    LANGUAGE_MASKED_POS("language_masked_pos"),
    /** The masked language modeling input (B, T), int64. */
    TEXT_IDS("text_ids"),
    /** Masked language modeling targets at the masked positions (M), int64. */
    MLM_TARGETS("mlm_targets"),
    /** 1 at the masked patches (B, N), int64. */
    VISION_MASKED_POS("vision_masked_pos"),
    /** The visual token id of every patch (B, N), int64. */
    VISUAL_TOKEN_IDS("visual_token_ids"),
    /** Masked image modeling targets at the masked patches (M), int64. */
    MIM_TARGETS("mim_targets");

    private final String referenceName;

    BatchKey(String referenceName) {
        this.referenceName = referenceName;
    }

    /**
     * The key's name in the reference's batches (and in the training fixtures).
     *
     * @return e.g. {@code "language_tokens"}
     */
    public String referenceName() {
        return referenceName;
    }

    /**
     * The key of a reference name, if it is one.
     *
     * @param referenceName e.g. {@code "padding_mask"}
     * @return the key, or empty for a name that is not a batch key (e.g. the reference's {@code image_id})
     */
    public static Optional<BatchKey> find(String referenceName) {
        return Arrays.stream(values()).filter(k -> k.referenceName.equals(referenceName)).findFirst();
    }

    /**
     * The key of a reference name.
     *
     * @param referenceName e.g. {@code "padding_mask"}
     * @return the key
     * @throws InvalidInputException naming the known keys when the name is not one
     */
    public static BatchKey of(String referenceName) {
        return find(referenceName).orElseThrow(() -> new InvalidInputException("'" + referenceName
                + "' is not a batch key; the keys are " + Arrays.stream(values()).map(BatchKey::referenceName)
                        .collect(Collectors.joining(", "))));
    }

    /**
     * The reference name.
     *
     * @return {@link #referenceName()}
     */
    @Override
    public String toString() {
        return referenceName;
    }
}
