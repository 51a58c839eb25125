package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.beit3.api.HeadInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Beit3;
import dev.beit3.model.Classification;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Image classification ({@code ImageNetHandler}): lines {@code {"image": "x.png", "label": 3}} become {@link
 * BatchKey#IMAGE} and {@link BatchKey#LABEL} (or, with Mixup / CutMix, the mixed images and {@link
 * BatchKey#SOFT_TARGET}); the objective is (label-smoothed or soft-target) cross-entropy.
 */
final class ClassificationTask {
    /** The task id. */
    static final String ID = "imageclassification";

    private ClassificationTask() {}

    /**
     * The objective ({@link Tasks#imageClassification(double)}).
     *
     * @param labelSmoothing ε for integer labels
     * @return the task
     */
    static TrainingTask objective(double labelSmoothing) {
        return new Tasks.HeadTask(ID, ID) {
            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray logits = forward(net, new HeadInput(b.require(BatchKey.IMAGE), null, null, null, Map.of()))
                        .get(0);
                if (b.has(BatchKey.SOFT_TARGET)) {
                    return Losses.softTargetCrossEntropy(logits, b.require(BatchKey.SOFT_TARGET));
                }
                return labelSmoothing > 0
                        ? Losses.labelSmoothingCrossEntropy(logits, b.require(BatchKey.LABEL), labelSmoothing)
                        : Losses.crossEntropy(logits, b.require(BatchKey.LABEL));
            }
        };
    }

    /** The data builder: images (random erasing and Mixup / CutMix when configured) and labels. */
    static final class Data implements TaskData {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public boolean readsText() {
            return false;
        }

        @Override
        public boolean countsLabels() {
            return true;
        }

        @Override
        public int numClasses(List<String> labels, int maxLabel, Path dir) {
            return labels.isEmpty() ? maxLabel + 1 : labels.size();
        }

        @Override
        public boolean imagenetNormalisation() {
            return true;
        }

        @Override
        public Batch build(Examples ex) {
            int b = ex.size();
            TrainingData.Config config = ex.config();
            int numClasses = ex.data().numClasses();
            NDManager m = ex.manager();
            Map<BatchKey, NDArray> a = new EnumMap<>(BatchKey.class);
            long[] y = new long[b];
            for (int i = 0; i < b; i++) {
                y[i] = ex.data().classLabel(ex.line(i));
            }
            int s = config.imageSize();
            float[] px = ex.pixels("image");
            if (config.erasing() != null) {
                for (int i = 0; i < b; i++) {
                    config.erasing().apply(px, i * 3 * s * s, 3, s, s, ex.rng(i));
                }
            }
            if (config.mixup() != null) {
                if (config.mixup().numClasses() != numClasses) {
                    throw new InvalidInputException("Mixup is set up for " + config.mixup().numClasses()
                            + " classes but the dataset has " + numClasses);
                }
                long[] shape = {b, 3, s, s};
                Mixup.Mixed mixed = config.mixup().apply(px, shape, y, config.mixup().draw(s, s, ex.batchRng()));
                px = mixed.images();
                a.put(BatchKey.SOFT_TARGET, m.create(mixed.softTargets(), new Shape(b, numClasses))); // (B, C)
            }
            a.put(BatchKey.IMAGE, m.create(px, new Shape(b, 3, s, s))); // (B, 3, S, S)
            a.put(BatchKey.LABEL, m.create(y));
            return new Batch(a);
        }
    }

    /** The task: ImageNet-style head ({@code fc_norm}, {@code head}), no final encoder norm. */
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
            return ClassificationTask.objective(labelSmoothing);
        }

        @Override
        public Map<String, long[]> headShapes(int d, int vocab, int numClasses, int visualVocab) {
            Map<String, long[]> head = new LinkedHashMap<>();
            head.put("fc_norm.weight", new long[] {d});
            head.put("fc_norm.bias", new long[] {d});
            head.put("head.weight", new long[] {numClasses, d});
            head.put("head.bias", new long[] {numClasses});
            return head;
        }

        @Override
        public boolean normalizeOutput() {
            return false;
        }

        @Override
        public double initScale(String key) {
            return key.equals("head.weight") ? 0.001 : 1.0;
        }

        @Override
        public String classCountKey() {
            return "head.weight";
        }
    }

    /** {@code top1} and {@code top5} accuracy of the classification logits. */
    static final class Metrics implements TaskMetrics {
        private double top1;
        private double top5;

        @Override
        public void add(Beit3 model, TrainingData data, List<JsonObject> lines) {
            List<Classification> cs = model.classify(Evaluation.images(data, lines, "image"), 1);
            for (int i = 0; i < lines.size(); i++) {
                int y = data.classLabel(lines.get(i));
                int rank = Evaluation.rank(cs.get(i).logits(), y);
                top1 += rank < 1 ? 1 : 0;
                top5 += rank < 5 ? 1 : 0;
            }
        }

        @Override
        public void putInto(Map<String, Double> out, int n) {
            out.put("top1", top1 / n);
            out.put("top5", top5 / n);
        }
    }
}
