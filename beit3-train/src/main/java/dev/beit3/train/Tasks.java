package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.HeadInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.TaskHead;
import dev.beit3.core.nn.Ops;
import dev.beit3.api.CaptioningHead;
import java.util.Map;

/**
 * The built-in training objectives: the five fine-tuning tasks of the reference ({@code train_batch}
 * of each task handler) and masked data modeling (masked language modeling on text and image-text,
 * masked image modeling). Batch keys are the reference's.
 */
public final class Tasks {
    private Tasks() {}

    /**
     * Image classification ({@code ImageNetHandler}). Keys: {@code image} (B, 3, S, S) and either
     * {@code soft_target} (B, C) — Mixup/CutMix targets, timm {@code SoftTargetCrossEntropy} — or
     * {@code label} (B), with {@code LabelSmoothingCrossEntropy(labelSmoothing)} when it is > 0, else
     * plain cross-entropy.
     *
     * @param labelSmoothing ε for integer labels (0.1 in the recipe; ignored for soft targets)
     * @return the task
     */
    public static TrainingTask imageClassification(double labelSmoothing) {
        return new HeadTask("imageclassification", "imageclassification") {
            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray logits = forward(net, new HeadInput(b.require("image"), null, null, null, Map.of())).get(0);
                if (b.has("soft_target")) {
                    return Losses.softTargetCrossEntropy(logits, b.require("soft_target"));
                }
                return labelSmoothing > 0 ? Losses.labelSmoothingCrossEntropy(logits, b.require("label"), labelSmoothing)
                        : Losses.crossEntropy(logits, b.require("label"));
            }
        };
    }

    /**
     * VQA ({@code VQAHandler}): BCE-with-logits (mean) × C over soft answer scores. Keys: {@code image},
     * {@code language_tokens}, {@code padding_mask}, {@code labels} (B, C).
     *
     * @return the task
     */
    public static TrainingTask vqa() {
        return new HeadTask("vqa", "vqa") {
            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray logits = forward(net, new HeadInput(b.require("image"), null, b.require("language_tokens"),
                        b.get("padding_mask"), Map.of())).get(0);
                return Losses.vqaBinaryCrossEntropy(logits, b.require("labels"));
            }
        };
    }

    /**
     * NLVR2 ({@code NLVR2Handler}): cross-entropy. Keys: {@code image}, {@code image2},
     * {@code language_tokens}, {@code padding_mask}, {@code label} (B).
     *
     * @return the task
     */
    public static TrainingTask nlvr2() {
        return new HeadTask("nlvr2", "nlvr2") {
            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray logits = forward(net, new HeadInput(b.require("image"), b.require("image2"),
                        b.require("language_tokens"), b.get("padding_mask"), Map.of())).get(0);
                return Losses.crossEntropy(logits, b.require("label"));
            }
        };
    }

    /**
     * Image–text retrieval ({@code RetrievalHandler}): symmetric contrastive loss with exp(logit_scale);
     * image b and text b are the positives. Keys: {@code image}, {@code language_tokens},
     * {@code padding_mask}.
     *
     * @return the task
     */
    public static TrainingTask retrieval() {
        return new HeadTask("retrieval", "retrieval") {
            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDList out = forward(net, new HeadInput(b.require("image"), null, b.require("language_tokens"),
                        b.get("padding_mask"), Map.of()));
                return Losses.contrastive(out.get(0), out.get(1), net.parameter("logit_scale"));
            }
        };
    }

    /**
     * Captioning ({@code CaptioningHandler}, {@code BertCaptioningLoss}). Keys: {@code image},
     * {@code masked_tokens} (model input), {@code language_tokens} (labels), {@code language_masked_pos},
     * {@code padding_mask}.
     *
     * @param labelSmoothing ε (0.1)
     * @param dropWorstRatio ratio of the worst tokens dropped late in training (0.2)
     * @param dropWorstAfter global step after which the drop applies (12000)
     * @return the task
     */
    public static TrainingTask captioning(double labelSmoothing, double dropWorstRatio, long dropWorstAfter) {
        return new HeadTask("captioning", "captioning") {
            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray logits = captioningLogits(net, b);
                NDArray labels = selectRows(b.require("language_tokens").expandDims(2), b.require("language_masked_pos"))
                        .squeeze(1); // (M)
                return Losses.captioning(logits, labels, labelSmoothing, dropWorstRatio, dropWorstAfter, step);
            }
        };
    }

    /**
     * The captioning head's logits at the masked positions (M, V), rows in row-major mask order.
     *
     * @param net the network (captioning head)
     * @param b the batch
     * @return (M, V)
     */
    static NDArray captioningLogits(Network net, Batch b) {
        if (!(net.head() instanceof CaptioningHead h)) {
            throw new InvalidInputException("the captioning task needs the captioning head");
        }
        return h.maskedLm(net.encoder(), b.require("image"), b.require("masked_tokens"), b.get("padding_mask"),
                b.require("language_masked_pos"), net.scope());
    }

    /**
     * Masked language modeling: {@code mlm_head} (a Linear D → V stored as {@code mlm_head.weight},
     * {@code mlm_head.bias}) on the encoder output (after the final LayerNorm) of the text at the masked
     * positions; cross-entropy against the original ids. Keys: {@code text_ids} (masked input),
     * {@code padding_mask}, {@code language_masked_pos}, and {@code mlm_targets} (M) or
     * {@code language_tokens} (original ids); with {@code withImage} also {@code image} (one fused pass,
     * the image unmasked).
     *
     * @param withImage whether the batch carries images (image-text MLM)
     * @return the task
     */
    public static TrainingTask maskedLanguageModeling(boolean withImage) {
        return new TrainingTask() {
            @Override
            public String id() {
                return withImage ? "mlm_image_text" : "mlm_text";
            }

            @Override
            public String headId() {
                return null;
            }

            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray ids = b.require("text_ids");
                EncoderInput in = withImage ? EncoderInput.fused(b.require("image"), ids, b.get("padding_mask"))
                        : EncoderInput.text(ids, b.get("padding_mask"));
                NDArray out = net.encoder().encode(in, net.scope()).output(); // (B, Nv + T, D) or (B, T, D)
                long t = ids.getShape().get(1);
                long total = out.getShape().get(1);
                NDArray text = total == t ? out : out.get(":, {}:", total - t); // (B, T, D)
                NDArray mask = b.require("language_masked_pos");
                NDArray h = selectRows(text, mask); // (M, D)
                NDArray logits = Ops.linear(h, net.parameter("mlm_head.weight"), net.parameter("mlm_head.bias"));
                NDArray targets = b.has("mlm_targets") ? b.require("mlm_targets")
                        : selectRows(b.require("language_tokens").expandDims(2), mask).squeeze(1);
                return Losses.maskedCrossEntropy(logits, targets);
            }
        };
    }

    /**
     * Masked image modeling: patches flagged in {@code vision_masked_pos} (B, N) are replaced by
     * {@code beit3.vision_embed.mask_token}; {@code mim_head} (Linear D → K) at the masked patches predicts
     * the visual tokens of the unmasked image, from {@code mim_targets} (M), {@code visual_token_ids}
     * (B, N), or the {@code tokenizer}. Keys: {@code image}, {@code vision_masked_pos}.
     *
     * @param tokenizer where targets come from when the batch has none (may be null when it always has)
     * @return the task
     */
    public static TrainingTask maskedImageModeling(VisualTokenizer tokenizer) {
        return new TrainingTask() {
            @Override
            public String id() {
                return "mim_image";
            }

            @Override
            public String headId() {
                return null;
            }

            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray img = b.require("image");
                NDArray mask = b.require("vision_masked_pos");
                NDArray out = net.encoder().encode(EncoderInput.vision(img).withVisionMask(mask), net.scope())
                        .output(); // (B, 1 + N, D)
                NDArray h = selectRows(out.get(":, 1:"), mask); // (M, D)
                NDArray logits = Ops.linear(h, net.parameter("mim_head.weight"), net.parameter("mim_head.bias"));
                NDArray targets;
                if (b.has("mim_targets")) {
                    targets = b.require("mim_targets");
                } else {
                    NDArray ids = b.has("visual_token_ids") ? b.require("visual_token_ids")
                            : requireTokenizer(tokenizer).tokenize(img, net.scope()); // (B, N)
                    targets = selectRows(ids.expandDims(2), mask).squeeze(1); // (M)
                }
                return Losses.maskedCrossEntropy(logits, targets);
            }
        };
    }

    private static VisualTokenizer requireTokenizer(VisualTokenizer t) {
        if (t == null) {
            throw new InvalidInputException("masked image modeling needs visual token targets: give the batch"
                    + " 'visual_token_ids' or 'mim_targets', or plug in a VisualTokenizer");
        }
        return t;
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
    private abstract static class HeadTask implements TrainingTask {
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
