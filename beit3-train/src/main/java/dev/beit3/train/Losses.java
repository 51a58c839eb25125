package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.InvalidInputException;
import java.util.Arrays;

/**
 * The reference's training criteria, as differentiable NDArray expressions (shapes: B rows, C classes,
 * V vocabulary, M masked positions). {@code lsm} = log-softmax over the last axis. Constants that
 * enter the graph are engine-allocated arrays, never Java numbers (see {@link #scalar}).
 */
public final class Losses {
    private Losses() {}

    /**
     * timm {@code SoftTargetCrossEntropy} (Mixup/CutMix targets): mean_b Σ_c −t[b,c]·lsm(x[b])[c].
     *
     * @param logits (B, C)
     * @param softTargets (B, C), rows summing to 1
     * @return 0-d loss
     */
    public static NDArray softTargetCrossEntropy(NDArray logits, NDArray softTargets) {
        sameShape(logits, softTargets, "soft targets");
        NDArray lsm = logits.logSoftmax(-1); // (B, C)
        return lsm.mul(softTargets).neg().sum(new int[] {-1}).mean(); // ()
    }

    /**
     * timm {@code LabelSmoothingCrossEntropy}: mean_b [(1−ε)·(−lsm[b,y_b]) + ε·mean_c(−lsm[b,c])].
     *
     * @param logits (B, C)
     * @param labels (B) class ids
     * @param smoothing ε
     * @return 0-d loss
     */
    public static NDArray labelSmoothingCrossEntropy(NDArray logits, NDArray labels, double smoothing) {
        NDArray lsm = logits.logSoftmax(-1); // (B, C)
        NDArray nll = pick(lsm, labels).neg(); // (B)
        NDArray smooth = lsm.mean(new int[] {-1}).neg(); // (B)
        return nll.mul(scalar(nll, 1 - smoothing)).add(smooth.mul(scalar(nll, smoothing))).mean();
    }

    /**
     * PyTorch {@code CrossEntropyLoss()} with class-id targets: mean_b −lsm(x[b])[y_b].
     *
     * @param logits (B, C)
     * @param labels (B) class ids
     * @return 0-d loss
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        return pick(logits.logSoftmax(-1), labels).neg().mean();
    }

    /**
     * The VQA loss: {@code BCEWithLogitsLoss(mean)(x, y) · C} = (1/B) Σ_{b,c} [max(x,0) − x·y + log(1 + e^{−|x|})],
     * evaluated in PyTorch's form (1 − y)·x + m + log(e^{−m} + e^{−x−m}), m = max(−x, 0).
     *
     * @param logits (B, C)
     * @param targets (B, C) soft scores in [0, 1]
     * @return 0-d loss
     */
    public static NDArray vqaBinaryCrossEntropy(NDArray logits, NDArray targets) {
        sameShape(logits, targets, "answer scores");
        long classes = logits.getShape().getLastDimension();
        NDArray y = targets.toType(DataType.FLOAT32, false);
        NDArray m = logits.neg().maximum(scalar(logits, 0)); // (B, C)
        NDArray lse = m.neg().exp().add(logits.neg().sub(m).exp()).log(); // (B, C)
        NDArray elem = y.neg().add(1f).mul(logits).add(m).add(lse); // (B, C)
        return elem.mean().mul(scalar(elem, classes));
    }

    /**
     * The retrieval loss ({@code utils.ClipLoss}, one process): with s = exp(logit_scale),
     * (CE(s·v·lᵀ, arange B) + CE(s·l·vᵀ, arange B)) / 2 on L2-normalised features.
     *
     * @param vision (B, E) normalised image features
     * @param language (B, E) normalised text features
     * @param logitScale 0-d log of the temperature
     * @return 0-d loss
     */
    public static NDArray contrastive(NDArray vision, NDArray language, NDArray logitScale) {
        sameShape(vision, language, "text features");
        long b = vision.getShape().get(0);
        NDArray scale = logitScale.exp(); // ()
        NDArray perImage = vision.mul(scale).matMul(language.transpose()); // (B, B)
        NDArray perText = language.mul(scale).matMul(vision.transpose()); // (B, B)
        NDArray labels = vision.getManager().arange(0L, b, 1L, DataType.INT64); // (B)
        return crossEntropy(perImage, labels).add(crossEntropy(perText, labels)).div(scalar(vision, 2));
    }

    /**
     * The captioning loss ({@code BertCaptioningLoss}) per masked token: KL(t ‖ softmax(x)) with
     * t = 1−ε on the label and ε/(V−1) elsewhere, including the constant Σ t·log t.
     *
     * @param logits (M, V)
     * @param labels (M) token ids
     * @param smoothing ε (0.1 in the reference)
     * @return (M) per-token losses
     */
    public static NDArray captioningPerToken(NDArray logits, NDArray labels, double smoothing) {
        long vocab = logits.getShape().getLastDimension();
        NDArray oneHot = labels.toType(DataType.INT64, false).oneHot((int) vocab, DataType.FLOAT32); // (M, V)
        NDArray t = oneHot.mul((float) (1 - smoothing))
                .add(oneHot.neg().add(1f).mul((float) smoothing).div((float) (vocab - 1))); // (M, V)
        NDArray lsm = logits.logSoftmax(-1); // (M, V)
        return t.log().sub(lsm).mul(t).sum(new int[] {-1}); // (M)
    }

    /**
     * The captioning loss: the mean per-token loss; once {@code globalStep > dropWorstAfter} only the
     * int(M·(1 − ratio)) smallest per-token losses are averaged.
     *
     * @param logits (M, V)
     * @param labels (M)
     * @param smoothing ε
     * @param dropWorstRatio ratio of the largest losses dropped (0.2 in the reference)
     * @param dropWorstAfter step after which the rule applies (12000 in the reference)
     * @param globalStep the current step
     * @return 0-d loss
     */
    public static NDArray captioning(NDArray logits, NDArray labels, double smoothing, double dropWorstRatio,
            long dropWorstAfter, long globalStep) {
        NDArray per = captioningPerToken(logits, labels, smoothing); // (M)
        if (dropWorstRatio > 0 && globalStep > dropWorstAfter) {
            float[] v = per.toFloatArray();
            int keep = (int) (v.length * (1 - dropWorstRatio));
            Integer[] order = new Integer[v.length];
            for (int i = 0; i < v.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Float.compare(v[a], v[b]));
            long[] idx = new long[keep];
            for (int i = 0; i < keep; i++) {
                idx[i] = order[i];
            }
            per = per.get(per.getManager().create(idx)); // (keep)
        }
        return per.mean();
    }

    /**
     * Masked data modeling: mean cross-entropy over the masked positions (no smoothing).
     *
     * @param logits (M, V)
     * @param targets (M) target ids
     * @return 0-d loss
     */
    public static NDArray maskedCrossEntropy(NDArray logits, NDArray targets) {
        return crossEntropy(logits, targets);
    }

    /** lsm[b, y_b] as a one-hot contraction (exact: the other terms are exact zeros). */
    static NDArray pick(NDArray lsm, NDArray labels) {
        long c = lsm.getShape().getLastDimension();
        NDArray y = labels.toType(DataType.INT64, false);
        long min = y.min().getLong();
        long max = y.max().getLong();
        if (min < 0 || max >= c) {
            throw new InvalidInputException("label " + (min < 0 ? min : max) + " outside 0.." + (c - 1));
        }
        return lsm.mul(y.oneHot((int) c, DataType.FLOAT32)).sum(new int[] {-1}); // (B)
    }

    /**
     * A 0-d float32 constant allocated by the engine. Graph operands must not be Java numbers: DJL
     * wraps a number in an array over a Java buffer and frees it after the op, while autograd keeps
     * operands of mul/div/maximum for the backward pass (the freed buffer would be read there).
     */
    static NDArray scalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value);
    }

    private static void sameShape(NDArray a, NDArray b, String what) {
        if (!a.getShape().equals(b.getShape())) {
            throw new InvalidInputException(what + " have shape " + b.getShape() + " but the logits " + a.getShape());
        }
    }
}
