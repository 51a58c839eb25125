package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.beit3.api.HeadInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Beit3;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * VQA ({@code VQAHandler}): lines {@code {"image", "question", "answers": {answer: score}}} (or {@code "answer"})
 * become {@link BatchKey#IMAGE}, the question's {@link BatchKey#LANGUAGE_TOKENS} and {@link
 * BatchKey#PADDING_MASK}, and the soft scores {@link BatchKey#LABELS}; the objective is BCE-with-logits × C.
 */
final class VqaTask {
    /** The task id. */
    static final String ID = "vqa";

    private VqaTask() {}

    /**
     * The objective ({@link Tasks#vqa()}).
     *
     * @return the task
     */
    static TrainingTask objective() {
        return new Tasks.HeadTask(ID, ID) {
            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray logits = forward(net, new HeadInput(b.require(BatchKey.IMAGE), null,
                        b.require(BatchKey.LANGUAGE_TOKENS), b.get(BatchKey.PADDING_MASK), Map.of())).get(0);
                return Losses.vqaBinaryCrossEntropy(logits, b.require(BatchKey.LABELS));
            }
        };
    }

    /** The data builder: image, question and the answers' soft scores over {@code answers.json}. */
    static final class Data implements TaskData {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public String labelFile() {
            return "answers.json";
        }

        @Override
        public int numClasses(List<String> labels, int maxLabel, Path dir) {
            if (labels.isEmpty()) {
                throw new InvalidInputException("the vqa dataset " + dir + " needs answers.json (a JSON"
                        + " list of the answers, index = logit index)");
            }
            return labels.size();
        }

        @Override
        public Batch build(Examples ex) {
            int b = ex.size();
            int numClasses = ex.data().numClasses();
            Map<BatchKey, NDArray> a = new EnumMap<>(BatchKey.class);
            a.put(BatchKey.IMAGE, ex.images("image"));
            ex.text("question", a);
            float[] t = new float[b * numClasses];
            for (int i = 0; i < b; i++) {
                for (Map.Entry<Integer, Float> e : ex.data().vqaTargets(ex.line(i)).entrySet()) {
                    t[i * numClasses + e.getKey()] = e.getValue();
                }
            }
            a.put(BatchKey.LABELS, ex.manager().create(t, new Shape(b, numClasses))); // (B, C)
            return new Batch(a);
        }
    }

    /** The task: pooler and two-layer answer head, no final encoder norm. */
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
            return VqaTask.objective();
        }

        @Override
        public Map<String, long[]> headShapes(int d, int vocab, int numClasses, int visualVocab) {
            Map<String, long[]> head = new LinkedHashMap<>();
            head.put("pooler.norm.weight", new long[] {d});
            head.put("pooler.norm.bias", new long[] {d});
            head.put("pooler.dense.weight", new long[] {d, d});
            head.put("pooler.dense.bias", new long[] {d});
            head.put("head.0.weight", new long[] {2L * d, d});
            head.put("head.0.bias", new long[] {2L * d});
            head.put("head.1.weight", new long[] {2L * d});
            head.put("head.1.bias", new long[] {2L * d});
            head.put("head.3.weight", new long[] {numClasses, 2L * d});
            head.put("head.3.bias", new long[] {numClasses});
            return head;
        }

        @Override
        public boolean normalizeOutput() {
            return false;
        }

        @Override
        public String classCountKey() {
            return "head.3.weight";
        }
    }

    /** {@code vqa_accuracy} of the arg-max answer, and per question type when lines carry one. */
    static final class Metrics implements TaskMetrics {
        private double score;
        private final Map<String, double[]> byType = new TreeMap<>(); // type → {score, count}

        @Override
        public void add(Beit3 model, TrainingData data, List<JsonObject> lines) {
            List<String> qs = Evaluation.texts(lines, "question");
            var answers = model.answer(Evaluation.images(data, lines, "image"), qs, 1);
            for (int i = 0; i < lines.size(); i++) {
                int best = Evaluation.argmax(answers.get(i).logits());
                float s = data.vqaTargets(lines.get(i)).getOrDefault(best, 0f);
                score += s;
                if (lines.get(i).has("type")) {
                    double[] t = byType.computeIfAbsent(lines.get(i).get("type").getAsString(), k -> new double[2]);
                    t[0] += s;
                    t[1]++;
                }
            }
        }

        @Override
        public void putInto(Map<String, Double> out, int n) {
            out.put("vqa_accuracy", score / n);
            byType.forEach((type, t) -> out.put("vqa_accuracy/" + type, t[0] / t[1]));
        }
    }
}
