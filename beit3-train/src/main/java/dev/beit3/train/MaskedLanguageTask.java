package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.TextBatch;
import dev.beit3.core.nn.Ops;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Masked language modeling on text ({@code mlm_text}: lines {@code {"text"}}) or image-text ({@code
 * mlm_image_text}: lines {@code {"image", "text"}}): {@link BatchKey#LANGUAGE_TOKENS} (the original ids), {@link
 * BatchKey#PADDING_MASK}, the masked input {@link BatchKey#TEXT_IDS} and {@link BatchKey#LANGUAGE_MASKED_POS}
 * ({@link TokenMasking#random}), with {@link BatchKey#IMAGE} for image-text; the objective is cross-entropy of
 * {@code mlm_head} at the masked positions.
 */
final class MaskedLanguageTask {
    private MaskedLanguageTask() {}

    private static String id(boolean withImage) {
        return withImage ? "mlm_image_text" : "mlm_text";
    }

    /**
     * The objective ({@link Tasks#maskedLanguageModeling(boolean)}).
     *
     * @param withImage whether the batch carries images (image-text MLM)
     * @return the task
     */
    static TrainingTask objective(boolean withImage) {
        return new TrainingTask() {
            @Override
            public String id() {
                return MaskedLanguageTask.id(withImage);
            }

            @Override
            public String headId() {
                return null;
            }

            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray ids = b.require(BatchKey.TEXT_IDS);
                EncoderInput in = withImage
                        ? EncoderInput.fused(b.require(BatchKey.IMAGE), ids, b.get(BatchKey.PADDING_MASK))
                        : EncoderInput.text(ids, b.get(BatchKey.PADDING_MASK));
                NDArray out = net.encoder().encode(in, net.scope()).output(); // (B, Nv + T, D) or (B, T, D)
                long t = ids.getShape().get(1);
                long total = out.getShape().get(1);
                NDArray text = total == t ? out : out.get(":, {}:", total - t); // (B, T, D)
                NDArray mask = b.require(BatchKey.LANGUAGE_MASKED_POS);
                NDArray h = Tasks.selectRows(text, mask); // (M, D)
                NDArray logits = Ops.linear(h, net.parameter("mlm_head.weight"), net.parameter("mlm_head.bias"));
                NDArray targets = b.has(BatchKey.MLM_TARGETS) ? b.require(BatchKey.MLM_TARGETS)
                        : Tasks.selectRows(b.require(BatchKey.LANGUAGE_TOKENS).expandDims(2), mask).squeeze(1);
                return Losses.maskedCrossEntropy(logits, targets);
            }
        };
    }

    /** The data builder: (image and) text, and the text's random masking. */
    static final class Data implements TaskData {
        private final boolean withImage;

        Data(boolean withImage) {
            this.withImage = withImage;
        }

        @Override
        public String id() {
            return MaskedLanguageTask.id(withImage);
        }

        @Override
        public Batch build(Examples ex) {
            Map<BatchKey, NDArray> a = new EnumMap<>(BatchKey.class);
            if (withImage) {
                a.put(BatchKey.IMAGE, ex.images("image"));
            }
            TextBatch tb = ex.text(ex.textOrCaption(), a);
            TokenMasking.Masked mk = ex.maskRows(TokenMasking.random(ex.config().maskProbability(),
                    ex.data().tokenizer().maskId()), tb);
            a.put(BatchKey.TEXT_IDS, ex.manager().create(mk.inputIds()));
            a.put(BatchKey.LANGUAGE_MASKED_POS, ex.manager().create(mk.maskedPositions()));
            return new Batch(a);
        }
    }

    /**
     * The {@code mlm_head} over the text vocabulary.
     *
     * @param d width D
     * @param vocab vocabulary V
     * @return name → shape
     */
    static Map<String, long[]> mlmHead(int d, int vocab) {
        Map<String, long[]> head = new LinkedHashMap<>();
        head.put("mlm_head.weight", new long[] {vocab, d});
        head.put("mlm_head.bias", new long[] {vocab});
        return head;
    }

    /** The pretraining task: the encoder and {@code mlm_head}, no task head. */
    static final class Kind implements TaskKind {
        private final boolean withImage;

        Kind(boolean withImage) {
            this.withImage = withImage;
        }

        @Override
        public String id() {
            return MaskedLanguageTask.id(withImage);
        }

        @Override
        public TaskData data() {
            return new Data(withImage);
        }

        @Override
        public TrainingTask objective(double labelSmoothing, VisualTokenizer visual) {
            return MaskedLanguageTask.objective(withImage);
        }

        @Override
        public Map<String, long[]> headShapes(int d, int vocab, int numClasses, int visualVocab) {
            return mlmHead(d, vocab);
        }

        @Override
        public boolean pretraining() {
            return true;
        }
    }
}
