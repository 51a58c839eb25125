package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.TextBatch;
import dev.beit3.api.CaptioningHead;
import java.util.EnumMap;
import java.util.Map;

/**
 * Captioning ({@code CaptioningHandler}, {@code BertCaptioningLoss}): lines {@code {"image", "caption"}} become
 * {@link BatchKey#IMAGE}, the caption's {@link BatchKey#LANGUAGE_TOKENS} (the labels) and {@link
 * BatchKey#PADDING_MASK}, and the official {@code CaptioningDataset} masking: {@link BatchKey#MASKED_TOKENS} (the
 * model input) and {@link BatchKey#LANGUAGE_MASKED_POS}; the objective is label-smoothed cross-entropy at the
 * masked positions, the worst tokens dropped late in training.
 */
final class CaptioningTask {
    /** The task id. */
    static final String ID = "captioning";

    private CaptioningTask() {}

    /**
     * The objective ({@link Tasks#captioning(double, double, long)}).
     *
     * @param labelSmoothing ε
     * @param dropWorstRatio ratio of the worst tokens dropped late in training
     * @param dropWorstAfter global step after which the drop applies
     * @return the task
     */
    static TrainingTask objective(double labelSmoothing, double dropWorstRatio, long dropWorstAfter) {
        return new Tasks.HeadTask(ID, ID) {
            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray logits = logits(net, b);
                NDArray labels = Tasks.selectRows(b.require(BatchKey.LANGUAGE_TOKENS).expandDims(2),
                        b.require(BatchKey.LANGUAGE_MASKED_POS)).squeeze(1); // (M)
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
    static NDArray logits(Network net, Batch b) {
        if (!(net.head() instanceof CaptioningHead h)) {
            throw new InvalidInputException("the captioning task needs the captioning head");
        }
        return h.maskedLm(net.encoder(), b.require(BatchKey.IMAGE), b.require(BatchKey.MASKED_TOKENS),
                b.get(BatchKey.PADDING_MASK), b.require(BatchKey.LANGUAGE_MASKED_POS), net.scope());
    }

    /** The data builder: image, caption and its masking ({@link TokenMasking#captioning}). */
    static final class Data implements TaskData {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public Batch build(Examples ex) {
            Map<BatchKey, NDArray> a = new EnumMap<>(BatchKey.class);
            a.put(BatchKey.IMAGE, ex.images("image"));
            TextBatch tb = ex.text("caption", a);
            var tokenizer = ex.data().tokenizer();
            TokenMasking.Masked mk = ex.maskRows(TokenMasking.captioning(ex.config().maskProbability(),
                    tokenizer.maskId(), tokenizer.vocabularySize()), tb);
            a.put(BatchKey.MASKED_TOKENS, ex.manager().create(mk.inputIds()));
            a.put(BatchKey.LANGUAGE_MASKED_POS, ex.manager().create(mk.maskedPositions()));
            return new Batch(a);
        }
    }
}
