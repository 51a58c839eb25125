package dev.beit3.train;

import dev.beit3.api.InvalidInputException;
import java.nio.file.Path;
import java.util.List;

/**
 * How the lines of one task's dataset become a {@link Batch}: the data builder of a task, implemented once per
 * task next to the task's objective (e.g. {@link VqaTask.Data} next to {@link VqaTask#objective()}).
 * {@link TrainingData} indexes the file, orders the examples and reads ahead; the builder turns the examples of
 * one batch into arrays under {@link BatchKey}s, drawing every random choice from the generators the
 * {@link Examples} hand out, so that batch k stays a pure function of (seed, k).
 */
interface TaskData {
    /**
     * The builder of a task id.
     *
     * @param task the id, e.g. {@code "vqa"}
     * @return the builder
     * @throws InvalidInputException naming the known ids when the id is unknown
     */
    static TaskData of(String task) {
        return TaskKind.of(task).data();
    }

    /**
     * The task id ({@link TrainingData.Config#task()}).
     *
     * @return e.g. {@code "vqa"}
     */
    String id();

    /**
     * Whether the lines hold text (the dataset then needs the tokenizer).
     *
     * @return true for every task with text
     */
    default boolean readsText() {
        return true;
    }

    /**
     * Whether opening the dataset scans the numeric {@code "label"} of every line (for the class count).
     *
     * @return true for the tasks with integer labels
     */
    default boolean countsLabels() {
        return false;
    }

    /**
     * The file of the dataset folder that names the classes or answers.
     *
     * @return a file name
     */
    default String labelFile() {
        return "labels.json";
    }

    /**
     * The number of classes of the dataset.
     *
     * @param labels the names in {@link #labelFile()} (empty when there is none)
     * @param maxLabel the largest numeric label seen (−1 when none, or when {@link #countsLabels()} is false)
     * @param dir the dataset folder (for messages)
     * @return C (0 for the tasks without classes)
     */
    default int numClasses(List<String> labels, int maxLabel, Path dir) {
        return 0;
    }

    /**
     * Whether images are normalised with the ImageNet mean and deviation (else mean = std = 0.5).
     *
     * @return true for image classification
     */
    default boolean imagenetNormalisation() {
        return false;
    }

    /**
     * The batch of some examples.
     *
     * @param examples the examples of the batch, their generators and the dataset's decoding
     * @return the arrays, in {@code examples.manager()}
     */
    Batch build(Examples examples);
}
