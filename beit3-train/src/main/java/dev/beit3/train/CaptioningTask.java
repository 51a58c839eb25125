package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import dev.beit3.api.CaptioningHead;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.TextBatch;
import dev.beit3.model.Beit3;
import dev.beit3.model.Caption;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
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
            throw new InvalidInputException("the captioning task needs the captioning head, got "
                    + (net.head() == null ? "no head" : "the " + net.head().id() + " head")
                    + "; train captioning from a captioning checkpoint");
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

    /** The task: the masked-LM head; the reference's drop-worst schedule (ratio 0.2 after step 12000). */
    static final class Kind implements TaskKind {
        @Override
        public TaskMetrics metrics() {
            return new Metrics();
        }

        @Override
        public String id() {
            return ID;
        }

        @Override
        public TaskData data() {
            return new Data();
        }

        @Override
        public TrainingTask objective(double labelSmoothing, VisualTokenizer visual) {
            return CaptioningTask.objective(labelSmoothing, 0.2, 12000);
        }

        @Override
        public Map<String, long[]> headShapes(int d, int vocab, int numClasses, int visualVocab) {
            return MaskedLanguageTask.mlmHead(d, vocab);
        }
    }

    /** {@code exact_match} and {@code word_accuracy} of the beam-search captions. */
    static final class Metrics implements TaskMetrics {
        private double exact;
        private double words;

        @Override
        public void add(Beit3 model, TrainingData data, List<JsonObject> lines) {
            List<Caption> cs = model.caption(Evaluation.images(data, lines, "image"), model.decoding());
            for (int i = 0; i < lines.size(); i++) {
                String[] want = Evaluation.norm(lines.get(i).get("caption").getAsString());
                String[] got = Evaluation.norm(cs.get(i).text());
                exact += Arrays.equals(want, got) ? 1 : 0;
                int same = 0;
                for (int k = 0; k < Math.min(want.length, got.length); k++) {
                    same += want[k].equals(got[k]) ? 1 : 0;
                }
                words += same / (double) Math.max(want.length, got.length);
            }
        }

        @Override
        public void putInto(Map<String, Double> out, int n) {
            out.put("exact_match", exact / n);
            out.put("word_accuracy", words / n);
        }
    }
}
