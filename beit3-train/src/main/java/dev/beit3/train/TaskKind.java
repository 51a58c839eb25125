package dev.beit3.train;

import dev.beit3.api.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What fine-tuning knows of one task, declared once per task next to its objective and data builder (e.g. {@link
 * VqaTask.Kind}): the {@link TaskData}, the objective, the head tensors a starting checkpoint gets ({@link
 * HeadInit}) and how the encoder's output is normalised. {@link FineTune} and {@link HeadInit} dispatch on it
 * instead of on the task's name.
 */
interface TaskKind {
    /** The built-in tasks by id, in the order their names are listed to users. */
    Map<String, TaskKind> BUILT_IN = List.of(new ClassificationTask.Kind(), new VqaTask.Kind(), new Nlvr2Task.Kind(),
            new RetrievalTask.Kind(), new CaptioningTask.Kind(), new MaskedLanguageTask.Kind(false),
            new MaskedLanguageTask.Kind(true), new MaskedImageTask.Kind()).stream()
            .collect(Collectors.toMap(TaskKind::id, Function.identity(), (a, b) -> a, LinkedHashMap::new));

    /**
     * The task of an id.
     *
     * @param task the id, e.g. {@code "vqa"}
     * @return the task
     * @throws InvalidInputException naming the known ids when the id is unknown
     */
    static TaskKind of(String task) {
        TaskKind k = BUILT_IN.get(task);
        if (k == null) {
            throw new InvalidInputException("unknown task '" + task + "'; use imageclassification, vqa,"
                    + " nlvr2, retrieval, captioning, mlm_text, mlm_image_text or mim_image");
        }
        return k;
    }

    /**
     * The task id.
     *
     * @return e.g. {@code "vqa"}
     */
    String id();

    /**
     * How the task's dataset lines become batches.
     *
     * @return the data builder
     */
    TaskData data();

    /**
     * The objective with the recipe's settings.
     *
     * @param labelSmoothing label smoothing ε (used by classification and captioning)
     * @param visual the visual tokenizer computing masked-image-modeling targets (used by {@code mim_image}), or
     *     null
     * @return the objective
     */
    TrainingTask objective(double labelSmoothing, VisualTokenizer visual);

    /**
     * The task-head tensors of a model of this task, in the order they are initialised.
     *
     * @param d the model width D
     * @param vocab the text vocabulary size V
     * @param numClasses classes / answers (classification, VQA)
     * @param visualVocab codebook size (masked image modeling)
     * @return name → shape
     */
    Map<String, long[]> headShapes(int d, int vocab, int numClasses, int visualVocab);

    /**
     * Whether the task's official model applies the encoder's final LayerNorm ({@code normalize_output}).
     *
     * @return false for image classification and VQA
     */
    default boolean normalizeOutput() {
        return true;
    }

    /**
     * Whether this is a pretraining task, whose checkpoint keeps both pretraining heads ({@code mlm_head}, {@code
     * mim_head}).
     *
     * @return true for masked data modeling
     */
    default boolean pretraining() {
        return false;
    }

    /**
     * The factor applied to a fresh head weight after the truncated-normal initialisation.
     *
     * @param key the tensor name
     * @return 1, or the reference's 0.001 for the classification head
     */
    default double initScale(String key) {
        return 1.0;
    }

    /**
     * A fresh accumulator of the task's evaluation metrics.
     *
     * @return the metrics, or null for the tasks without an evaluation (pretraining)
     */
    default TaskMetrics metrics() {
        return null;
    }

    /**
     * The head tensor whose first dimension is the class count, checked against the dataset.
     *
     * @return a tensor name, or null for the tasks without classes
     */
    default String classCountKey() {
        return null;
    }
}
