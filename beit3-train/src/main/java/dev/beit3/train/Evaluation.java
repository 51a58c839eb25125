package dev.beit3.train;

import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.RgbImage;
import dev.beit3.model.Beit3;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Task metrics of a model on a {@link TrainingData} folder, computed through the inference facade
 * {@link Beit3} (so with the official evaluation transforms and forward passes):
 *
 * <ul>
 *   <li>image classification: {@code top1}, {@code top5} accuracy;
 *   <li>VQA: {@code vqa_accuracy}, the mean VQAv2 score of the arg-max answer: its soft target
 *       ({@code min(1, n/3)} of the annotators when the data carries {@code answers} scores), i.e. exact
 *       match for single-answer lines; when lines carry a {@code type} (the question type),
 *       also {@code vqa_accuracy/<type>} per type;
 *   <li>retrieval: {@code i2t_R@1/5/10} (rank of the paired text among all texts, per image) and
 *       {@code t2i_R@1/5/10}; line i's image and text are the positive pair;
 *   <li>NLVR2: {@code accuracy};
 *   <li>captioning: {@code exact_match} of the beam-search caption (lower case, spaces collapsed) and
 *       {@code word_accuracy} (position-wise word agreement over the longer caption).
 * </ul>
 */
public final class Evaluation {
    private Evaluation() {}

    /**
     * Evaluates.
     *
     * @param model the model (its head must be the dataset's task)
     * @param data the dataset, opened with {@link Augmentation#none()}
     * @param batch examples read per chunk
     * @return metric name → value, plus {@code examples}
     * @throws IOException when the dataset cannot be read
     */
    public static Map<String, Double> evaluate(Beit3 model, TrainingData data, int batch) throws IOException {
        String task = data.config().task();
        if (!task.equals(model.headId())) {
            throw new InvalidInputException("the dataset is for " + task + " but the model has the " + model.headId()
                    + " head");
        }
        TaskMetrics metrics = TaskKind.of(task).metrics();
        if (metrics == null) {
            throw new InvalidInputException("no evaluation for task " + task);
        }
        int n = data.size();
        Map<String, Double> out = new LinkedHashMap<>();
        for (int from = 0; from < n; from += batch) {
            metrics.add(model, data, data.lines(from, Math.min(n, from + batch)));
        }
        out.put("examples", (double) n);
        metrics.putInto(out, n);
        return out;
    }

    /**
     * Retrieval recall at 1, 5, 10 in both directions; pair i is (image i, text i).
     *
     * @param images (N, E) embeddings
     * @param texts (N, E) embeddings
     * @return {@code i2t_R@k}, {@code t2i_R@k}
     */
    public static Map<String, Double> recall(float[][] images, float[][] texts) {
        float[][] s = Beit3.similarity(images, texts); // (N, N)
        int n = s.length;
        int[] ks = {1, 5, 10};
        double[] i2t = new double[3];
        double[] t2i = new double[3];
        for (int i = 0; i < n; i++) {
            int ri = rank(s[i], i);
            float[] col = new float[n];
            for (int j = 0; j < n; j++) {
                col[j] = s[j][i];
            }
            int rt = rank(col, i);
            for (int k = 0; k < 3; k++) {
                i2t[k] += ri < ks[k] ? 1 : 0;
                t2i[k] += rt < ks[k] ? 1 : 0;
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (int k = 0; k < 3; k++) {
            out.put("i2t_R@" + ks[k], i2t[k] / n);
        }
        for (int k = 0; k < 3; k++) {
            out.put("t2i_R@" + ks[k], t2i[k] / n);
        }
        return out;
    }

    /**
     * Formats metrics as {@code name value} pairs on one line.
     *
     * @param metrics the metrics
     * @return the line
     */
    public static String format(Map<String, Double> metrics) {
        StringBuilder sb = new StringBuilder();
        metrics.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "  ").append(k).append(' ')
                .append(k.equals("examples") ? String.valueOf(v.longValue()) : String.format(Locale.ROOT, "%.4f", v)));
        return sb.toString();
    }

    /** Number of entries strictly greater than entry {@code index} (0 = ranked first; ties favour the target). */
    static int rank(float[] scores, int index) {
        int r = 0;
        for (float v : scores) {
            r += v > scores[index] ? 1 : 0;
        }
        return r;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static String[] norm(String s) {
        String t = s.toLowerCase(Locale.ROOT).strip().replaceAll("\\s+", " ");
        return t.isEmpty() ? new String[0] : t.split(" ");
    }

    static List<RgbImage> images(TrainingData data, List<JsonObject> lines, String key) {
        List<RgbImage> out = new ArrayList<>();
        for (JsonObject o : lines) {
            if (!o.has(key)) {
                throw new InvalidInputException("line without \"" + key + "\": " + o);
            }
            out.add(data.image(o.get(key).getAsString()));
        }
        return out;
    }

    static List<String> texts(List<JsonObject> lines, String key) {
        List<String> out = new ArrayList<>();
        for (JsonObject o : lines) {
            if (!o.has(key)) {
                throw new InvalidInputException("line without \"" + key + "\": " + o);
            }
            out.add(o.get(key).getAsString());
        }
        return out;
    }
}
