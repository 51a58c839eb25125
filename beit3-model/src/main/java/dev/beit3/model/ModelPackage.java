package dev.beit3.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A folder of ready-to-run models described by a {@code models.json} (the layout of the embedded demo
 * models): per task the checkpoint file, attention heads, text length and label file, plus one shared
 * tokenizer.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public final class ModelPackage {
    private final Path dir;
    private final JsonObject index;

    private ModelPackage(Path dir, JsonObject index) {
        this.dir = dir;
        this.index = index;
    }

    /**
     * Opens a package.
     *
     * @param dir the folder holding {@code models.json}
     * @return the package
     * @throws InvalidInputException when the folder has no readable {@code models.json}
     */
    public static ModelPackage open(Path dir) {
        Path f = dir.resolve("models.json");
        try {
            return new ModelPackage(dir, JsonParser.parseString(Files.readString(f)).getAsJsonObject());
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException("cannot read model package index " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * The folder.
     *
     * @return the folder
     */
    public Path directory() {
        return dir;
    }

    /**
     * The task names the package has models for.
     *
     * @return e.g. {@code [captioning, imageclassification, retrieval, vqa]}
     */
    public Set<String> tasks() {
        return new TreeSet<>(index.getAsJsonObject("models").keySet());
    }

    /**
     * The package's tokenizer file.
     *
     * @return the {@code .spm} path
     */
    public Path tokenizer() {
        return dir.resolve(index.getAsJsonObject("tokenizer").get("file").getAsString());
    }

    /**
     * The checkpoint of a task.
     *
     * @param task the task
     * @return the checkpoint path
     */
    public Path checkpoint(String task) {
        return dir.resolve(entry(task).get("file").getAsString());
    }

    /**
     * The text segment length a task's model was trained with.
     *
     * @param task the task
     * @return the length
     */
    public int textMaxLength(String task) {
        JsonElement e = entry(task).get("text_max_len");
        return e == null ? 64 : e.getAsInt();
    }

    /**
     * The labels of a task (answers, classes), if the package has a label file for it.
     *
     * @param task the task
     * @return the labels by logit index, or an empty list
     */
    public List<String> labels(String task) {
        JsonObject m = entry(task);
        String file = m.has("labels_file") ? m.get("labels_file").getAsString()
                : Files.exists(dir.resolve(task + "_labels.json")) ? task + "_labels.json" : null;
        if (file == null) {
            return List.of();
        }
        try {
            JsonElement e = JsonParser.parseString(Files.readString(dir.resolve(file)));
            JsonArray arr = e.isJsonArray() ? e.getAsJsonArray() : firstArray(e.getAsJsonObject());
            List<String> out = new ArrayList<>();
            arr.forEach(x -> out.add(x.getAsString()));
            return out;
        } catch (IOException e) {
            throw new InvalidInputException("cannot read labels " + dir.resolve(file) + ": " + e.getMessage(), e);
        }
    }

    private static JsonArray firstArray(JsonObject o) {
        for (var e : o.entrySet()) {
            if (e.getValue().isJsonArray()) {
                return e.getValue().getAsJsonArray();
            }
        }
        throw new InvalidInputException("label file holds no list");
    }

    /**
     * A builder preset for a task's model: checkpoint, tokenizer, heads, text length, labels.
     *
     * @param task the task, e.g. {@code "vqa"}
     * @return the builder, ready to {@link Beit3.Builder#build()}
     */
    public Beit3.Builder builder(String task) {
        JsonObject m = entry(task);
        Beit3.Builder b = Beit3.builder().checkpoint(checkpoint(task)).tokenizer(tokenizer()).head(task)
                .maxTextLength(textMaxLength(task)).labels(labels(task));
        if (m.has("heads")) {
            b.attentionHeads(m.get("heads").getAsInt());
        }
        if (m.has("img_size")) {
            b.imageSize(m.get("img_size").getAsInt());
        }
        return b;
    }

    /**
     * The reference beam size of a captioning model (default 3).
     *
     * @param task the task
     * @return beams
     */
    public int beams(String task) {
        JsonObject m = entry(task);
        return m.has("num_beams") ? m.get("num_beams").getAsInt() : 3;
    }

    private JsonObject entry(String task) {
        JsonObject models = index.getAsJsonObject("models");
        if (models == null || !models.has(task)) {
            throw new CheckpointException("model package " + dir + " has no " + task + " model; it has "
                    + (models == null ? "none" : models.keySet()));
        }
        return models.getAsJsonObject(task);
    }
}
