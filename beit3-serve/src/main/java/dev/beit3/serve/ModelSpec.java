package dev.beit3.serve;

import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One model the server loads, under a name that is its URL segment ({@code /v1/models/NAME/...}).
 *
 * @param name the name (letters, digits, {@code . _ -})
 * @param source where it comes from, for {@code GET /v1/models} and messages
 * @param loader builds the model (called once, on the loading thread)
 */
public record ModelSpec(String name, String source, Supplier<Beit3> loader) {

    /** Validates the name. */
    public ModelSpec {
        Objects.requireNonNull(loader, "loader");
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new InvalidInputException("model name '" + name + "' is not usable in a URL; use 1 to 64 letters,"
                    + " digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    /**
     * Every task model of a model package (the demo models' layout), each under its task name.
     *
     * @param dir the folder holding {@code models.json}
     * @return one spec per task, e.g. {@code retrieval}, {@code vqa}
     */
    public static List<ModelSpec> fromPackage(Path dir) {
        ModelPackage pkg = ModelPackage.open(dir);
        List<ModelSpec> out = new ArrayList<>();
        for (String task : pkg.tasks()) {
            out.add(fromPackage(task, pkg, task));
        }
        return out;
    }

    /**
     * The models a configuration file names (JSON, or YAML for {@code .yaml}/{@code .yml}):
     * {@code models: [{name, package, task} | {name, checkpoint, tokenizer, head, attention_heads,
     * max_text_length, image_size, labels}]}, relative paths resolved against the file's folder.
     *
     * @param file the configuration file
     * @return the specs, in file order
     * @throws InvalidInputException naming the entry and the fix when the file is unreadable or wrong
     */
    public static List<ModelSpec> fromConfig(Path file) {
        return ModelConfig.read(file);
    }

    /**
     * One task model of a model package.
     *
     * @param name the name to serve it under
     * @param pkg the package
     * @param task its task
     * @return the spec
     */
    public static ModelSpec fromPackage(String name, ModelPackage pkg, String task) {
        if (!pkg.tasks().contains(task)) {
            throw new InvalidInputException("model package " + pkg.directory() + " has no " + task + " model; it has "
                    + pkg.tasks());
        }
        return new ModelSpec(name, pkg.directory().resolve("models.json") + " (" + task + ")",
                () -> pkg.builder(task).build());
    }
}
