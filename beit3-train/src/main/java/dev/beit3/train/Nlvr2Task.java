package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import dev.beit3.api.HeadInput;
import dev.beit3.model.Beit3;
import dev.beit3.model.Verdict;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NLVR2 ({@code NLVR2Handler}): lines {@code {"image_a", "image_b", "sentence", "label"}} become {@link
 * BatchKey#IMAGE}, {@link BatchKey#IMAGE2}, the sentence's {@link BatchKey#LANGUAGE_TOKENS} and {@link
 * BatchKey#PADDING_MASK}, and {@link BatchKey#LABEL}; the objective is cross-entropy over 2 classes.
 */
final class Nlvr2Task {
    /** The task id. */
    static final String ID = "nlvr2";

    private Nlvr2Task() {}

    /**
     * The objective ({@link Tasks#nlvr2()}).
     *
     * @return the task
     */
    static TrainingTask objective() {
        return new Tasks.HeadTask(ID, ID) {
            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray logits = forward(net, new HeadInput(b.require(BatchKey.IMAGE), b.require(BatchKey.IMAGE2),
                        b.require(BatchKey.LANGUAGE_TOKENS), b.get(BatchKey.PADDING_MASK), Map.of())).get(0);
                return Losses.crossEntropy(logits, b.require(BatchKey.LABEL));
            }
        };
    }

    /** The data builder: the image pair, the sentence and whether it holds. */
    static final class Data implements TaskData {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public boolean countsLabels() {
            return true;
        }

        @Override
        public int numClasses(List<String> labels, int maxLabel, Path dir) {
            return 2;
        }

        @Override
        public Batch build(Examples ex) {
            Map<BatchKey, NDArray> a = new EnumMap<>(BatchKey.class);
            a.put(BatchKey.IMAGE, ex.images("image_a"));
            a.put(BatchKey.IMAGE2, ex.images("image_b"));
            ex.text("sentence", a);
            long[] y = new long[ex.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = TrainingData.nlvr2Label(ex.line(i));
            }
            a.put(BatchKey.LABEL, ex.manager().create(y));
            return new Batch(a);
        }
    }

    /** The task: the two-pair head over four widths. */
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
            return Nlvr2Task.objective();
        }

        @Override
        public Map<String, long[]> headShapes(int d, int vocab, int numClasses, int visualVocab) {
            Map<String, long[]> head = new LinkedHashMap<>();
            head.put("head.norm1.weight", new long[] {4L * d});
            head.put("head.norm1.bias", new long[] {4L * d});
            head.put("head.dense1.weight", new long[] {2L * d, 4L * d});
            head.put("head.dense1.bias", new long[] {2L * d});
            head.put("head.norm2.weight", new long[] {2L * d});
            head.put("head.norm2.bias", new long[] {2L * d});
            head.put("head.dense2.weight", new long[] {2, 2L * d});
            head.put("head.dense2.bias", new long[] {2});
            return head;
        }
    }

    /** {@code accuracy} of the verdicts. */
    static final class Metrics implements TaskMetrics {
        private double correct;

        @Override
        public void add(Beit3 model, TrainingData data, List<JsonObject> lines) {
            List<Verdict> vs = model.verify(Evaluation.images(data, lines, "image_a"),
                    Evaluation.images(data, lines, "image_b"), Evaluation.texts(lines, "sentence"));
            for (int i = 0; i < lines.size(); i++) {
                correct += (vs.get(i).holds() ? 1 : 0) == TrainingData.nlvr2Label(lines.get(i)) ? 1 : 0;
            }
        }

        @Override
        public void putInto(Map<String, Double> out, int n) {
            out.put("accuracy", correct / n);
        }
    }
}
