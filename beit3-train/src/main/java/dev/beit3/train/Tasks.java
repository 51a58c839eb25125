package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.beit3.api.HeadInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.TaskHead;

/**
 * The built-in training objectives: the five fine-tuning tasks of the reference ({@code train_batch}
 * of each task handler) and masked data modeling (masked language modeling on text and image-text,
 * masked image modeling). Each task's objective lives next to the data builder that writes its batches
 * ({@code ClassificationTask}, {@code VqaTask}, {@code Nlvr2Task}, {@code RetrievalTask}, {@code CaptioningTask},
 * {@code MaskedLanguageTask}, {@code MaskedImageTask}); batch keys are {@link BatchKey}s.
 */
public final class Tasks {
    private Tasks() {}

    /**
     * Image classification ({@code ImageNetHandler}). Keys: {@link BatchKey#IMAGE} (B, 3, S, S) and either
     * {@link BatchKey#SOFT_TARGET} (B, C) — Mixup/CutMix targets, timm {@code SoftTargetCrossEntropy} — or
     * {@link BatchKey#LABEL} (B), with {@code LabelSmoothingCrossEntropy(labelSmoothing)} when it is > 0, else
     * plain cross-entropy.
     *
     * @param labelSmoothing ε for integer labels (0.1 in the recipe; ignored for soft targets)
     * @return the task
     */
    public static TrainingTask imageClassification(double labelSmoothing) {
        return ClassificationTask.objective(labelSmoothing);
    }

    /**
     * VQA ({@code VQAHandler}): BCE-with-logits (mean) × C over soft answer scores. Keys: {@link BatchKey#IMAGE},
     * {@link BatchKey#LANGUAGE_TOKENS}, {@link BatchKey#PADDING_MASK}, {@link BatchKey#LABELS} (B, C).
     *
     * @return the task
     */
    public static TrainingTask vqa() {
        return VqaTask.objective();
    }

    /**
     * NLVR2 ({@code NLVR2Handler}): cross-entropy. Keys: {@link BatchKey#IMAGE}, {@link BatchKey#IMAGE2},
     * {@link BatchKey#LANGUAGE_TOKENS}, {@link BatchKey#PADDING_MASK}, {@link BatchKey#LABEL} (B).
     *
     * @return the task
     */
    public static TrainingTask nlvr2() {
        return Nlvr2Task.objective();
    }

    /**
     * Image–text retrieval ({@code RetrievalHandler}): symmetric contrastive loss with exp(logit_scale);
     * image b and text b are the positives. Keys: {@link BatchKey#IMAGE}, {@link BatchKey#LANGUAGE_TOKENS},
     * {@link BatchKey#PADDING_MASK}.
     *
     * @return the task
     */
    public static TrainingTask retrieval() {
        return RetrievalTask.objective();
    }

    /**
     * Captioning ({@code CaptioningHandler}, {@code BertCaptioningLoss}). Keys: {@link BatchKey#IMAGE},
     * {@link BatchKey#MASKED_TOKENS} (model input), {@link BatchKey#LANGUAGE_TOKENS} (labels),
     * {@link BatchKey#LANGUAGE_MASKED_POS}, {@link BatchKey#PADDING_MASK}.
     *
     * @param labelSmoothing ε (0.1)
     * @param dropWorstRatio ratio of the worst tokens dropped late in training (0.2)
     * @param dropWorstAfter global step after which the drop applies (12000)
     * @return the task
     */
    public static TrainingTask captioning(double labelSmoothing, double dropWorstRatio, long dropWorstAfter) {
        return CaptioningTask.objective(labelSmoothing, dropWorstRatio, dropWorstAfter);
    }

    /**
     * Masked language modeling: {@code mlm_head} (a Linear D → V stored as {@code mlm_head.weight},
     * {@code mlm_head.bias}) on the encoder output (after the final LayerNorm) of the text at the masked
     * positions; cross-entropy against the original ids. Keys: {@link BatchKey#TEXT_IDS} (masked input),
     * {@link BatchKey#PADDING_MASK}, {@link BatchKey#LANGUAGE_MASKED_POS}, and {@link BatchKey#MLM_TARGETS} (M) or
     * {@link BatchKey#LANGUAGE_TOKENS} (original ids); with {@code withImage} also {@link BatchKey#IMAGE} (one
     * fused pass, the image unmasked).
     *
     * @param withImage whether the batch carries images (image-text MLM)
     * @return the task
     */
    public static TrainingTask maskedLanguageModeling(boolean withImage) {
        return MaskedLanguageTask.objective(withImage);
    }

    /**
     * Masked image modeling: patches flagged in {@link BatchKey#VISION_MASKED_POS} (B, N) are replaced by
     * {@code beit3.vision_embed.mask_token}; {@code mim_head} (Linear D → K) at the masked patches predicts
     * the visual tokens of the unmasked image, from {@link BatchKey#MIM_TARGETS} (M), {@link
     * BatchKey#VISUAL_TOKEN_IDS} (B, N), or the {@code tokenizer}. Keys: {@link BatchKey#IMAGE}, {@link
     * BatchKey#VISION_MASKED_POS}.
     *
     * @param tokenizer where targets come from when the batch has none (may be null when it always has)
     * @return the task
     */
    public static TrainingTask maskedImageModeling(VisualTokenizer tokenizer) {
        return MaskedImageTask.objective(tokenizer);
    }

    /**
     * The rows of x where mask ≠ 0, in row-major order of the mask (differentiable in x).
     *
     * @param x (B, T, D)
     * @param mask (B, T)
     * @return (M, D)
     */
    static NDArray selectRows(NDArray x, NDArray mask) {
        return dev.beit3.core.nn.MaskedRows.select(x, mask); // (M, D)
    }

    /** A task that runs a head provider's forward pass. */
    abstract static class HeadTask implements TrainingTask {
        private final String id;
        private final String head;

        HeadTask(String id, String head) {
            this.id = id;
            this.head = head;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String headId() {
            return head;
        }

        NDList forward(Network net, HeadInput in) {
            TaskHead h = net.head();
            if (h == null || !h.id().equals(head)) {
                throw new InvalidInputException("the " + id + " task needs the " + head + " head; the model has "
                        + (h == null ? "none" : h.id()));
            }
            return h.forward(net.encoder(), in, net.scope());
        }
    }
}
