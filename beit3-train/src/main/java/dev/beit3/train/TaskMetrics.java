package dev.beit3.train;

import com.google.gson.JsonObject;
import dev.beit3.model.Beit3;
import java.util.List;
import java.util.Map;

/**
 * The evaluation metrics of one task ({@link Evaluation}), accumulated over chunks of a dataset: declared next to
 * the task's objective (e.g. {@link VqaTask.Metrics}) and obtained from its {@link TaskKind#metrics()}. One
 * instance per evaluation.
 */
interface TaskMetrics {
    /**
     * Runs the model on some lines of the dataset and accumulates their scores.
     *
     * @param model the model (its head is the task's)
     * @param data the dataset (decodes the lines' images)
     * @param lines the lines of this chunk
     */
    void add(Beit3 model, TrainingData data, List<JsonObject> lines);

    /**
     * Puts the metrics over every line added.
     *
     * @param out metric name → value, in the order they are printed
     * @param n the number of lines added
     */
    void putInto(Map<String, Double> out, int n);
}
