package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import com.google.gson.JsonObject;
import dev.beit3.api.HeadInput;
import dev.beit3.model.Beit3;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Image–text retrieval ({@code RetrievalHandler}): lines {@code {"image", "text"}} (or {@code "caption"}) become
 * {@link BatchKey#IMAGE}, {@link BatchKey#LANGUAGE_TOKENS} and {@link BatchKey#PADDING_MASK}; the objective is
 * the symmetric contrastive loss with image b and text b as the positives.
 */
final class RetrievalTask {
    /** The task id. */
    static final String ID = "retrieval";

    private RetrievalTask() {}

    /**
     * The objective ({@link Tasks#retrieval()}).
     *
     * @return the task
     */
    static TrainingTask objective() {
        return new Tasks.HeadTask(ID, ID) {
            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDList out = forward(net, new HeadInput(b.require(BatchKey.IMAGE), null,
                        b.require(BatchKey.LANGUAGE_TOKENS), b.get(BatchKey.PADDING_MASK), Map.of()));
                return Losses.contrastive(out.get(0), out.get(1), net.parameter("logit_scale"));
            }
        };
    }

    /** The data builder: images and their texts. */
    static final class Data implements TaskData {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public Batch build(Examples ex) {
            Map<BatchKey, NDArray> a = new EnumMap<>(BatchKey.class);
            a.put(BatchKey.IMAGE, ex.images("image"));
            ex.text(ex.textOrCaption(), a);
            return new Batch(a);
        }
    }

    /** The task: temperature and the two projection heads. */
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
            return RetrievalTask.objective();
        }

        @Override
        public Map<String, long[]> headShapes(int d, int vocab, int numClasses, int visualVocab) {
            Map<String, long[]> head = new LinkedHashMap<>();
            head.put("logit_scale", new long[] {});
            head.put("vision_head.weight", new long[] {d, d});
            head.put("language_head.weight", new long[] {d, d});
            return head;
        }
    }

    /** Recall at 1, 5, 10 in both directions over every line's embeddings ({@link Evaluation#recall}). */
    static final class Metrics implements TaskMetrics {
        private final List<float[]> imageEmb = new ArrayList<>();
        private final List<float[]> textEmb = new ArrayList<>();

        @Override
        public void add(Beit3 model, TrainingData data, List<JsonObject> lines) {
            imageEmb.addAll(List.of(model.embedImages(Evaluation.images(data, lines, "image"))));
            textEmb.addAll(List.of(model.embedTexts(Evaluation.texts(lines,
                    lines.get(0).has("text") ? "text" : "caption"))));
        }

        @Override
        public void putInto(Map<String, Double> out, int n) {
            out.putAll(Evaluation.recall(imageEmb.toArray(new float[0][]), textEmb.toArray(new float[0][])));
        }
    }
}
