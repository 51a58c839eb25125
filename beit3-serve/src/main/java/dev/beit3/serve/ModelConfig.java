package dev.beit3.serve;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a server configuration file (JSON, or YAML for {@code .yaml}/{@code .yml}) naming several models:
 *
 * <pre>
 * models:
 *   - name: shapes-search          # URL segment
 *     package: models/demo         # a model package folder (models.json) ...
 *     task: retrieval              # ... and its task
 *   - name: nlvr2-base
 *     checkpoint: beit3_base_patch16_224_nlvr2.pth   # or a checkpoint
 *     tokenizer: beit3.spm
 *     head: nlvr2                  # optional: detected from the keys
 *     attention_heads: 12          # optional
 *     max_text_length: 64          # optional
 *     image_size: 224              # optional
 *     labels: labels.json          # optional: a JSON list of class or answer names
 * </pre>
 *
 * Relative paths are resolved against the configuration file's folder. A {@code package} without
 * {@code task} adds every task model of the package under {@code NAME-TASK}.
 */
final class ModelConfig {
    private static final Set<String> KEYS = Set.of("name", "package", "task", "checkpoint", "tokenizer", "head",
            "attention_heads", "max_text_length", "image_size", "labels");

    private ModelConfig() {}

    static List<ModelSpec> read(Path file) {
        Object root;
        try {
            String text = Files.readString(file);
            String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            root = n.endsWith(".yaml") || n.endsWith(".yml")
                    ? new Yaml(new SafeConstructor(new LoaderOptions())).load(text)
                    : new Gson().fromJson(text, Object.class);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read the model configuration " + file + ": " + e.getMessage(), e);
        } catch (YAMLException | JsonParseException e) {
            throw new InvalidInputException("the model configuration " + file + " is not valid "
                    + (e instanceof YAMLException ? "YAML" : "JSON") + ": " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> m) || !(m.get("models") instanceof List<?> entries) || entries.isEmpty()) {
            throw new InvalidInputException("the model configuration " + file + " needs a non-empty list 'models',"
                    + " e.g. models: [{name: search, package: models/demo, task: retrieval}]");
        }
        Path base = file.toAbsolutePath().getParent();
        List<ModelSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            String where = file + ": models[" + i + "]";
            if (!(entries.get(i) instanceof Map<?, ?> e)) {
                throw new InvalidInputException(where + " is not an object with name, package/task or checkpoint");
            }
            for (Object k : e.keySet()) {
                if (!KEYS.contains(String.valueOf(k))) {
                    throw new InvalidInputException(where + " has the unknown key '" + k + "'; known keys: "
                            + new java.util.TreeSet<>(KEYS));
                }
            }
            String name = string(e, "name", where, true);
            for (ModelSpec s : entry(e, name, base, where)) {
                if (!names.add(s.name())) {
                    throw new InvalidInputException(where + ": the name '" + s.name() + "' is used twice; give each"
                            + " model its own name");
                }
                out.add(s);
            }
        }
        return out;
    }

    private static List<ModelSpec> entry(Map<?, ?> e, String name, Path base, String where) {
        String pkgDir = string(e, "package", where, false);
        String ckpt = string(e, "checkpoint", where, false);
        if ((pkgDir == null) == (ckpt == null)) {
            throw new InvalidInputException(where + " needs exactly one of 'package' (a folder with models.json) or"
                    + " 'checkpoint' (a .pth or .safetensors file)");
        }
        if (pkgDir != null) {
            ModelPackage pkg = ModelPackage.open(base.resolve(pkgDir));
            String task = string(e, "task", where, false);
            if (task != null) {
                return List.of(ModelSpec.fromPackage(name, pkg, task));
            }
            List<ModelSpec> all = new ArrayList<>();
            for (String t : pkg.tasks()) {
                all.add(ModelSpec.fromPackage(name + "-" + t, pkg, t));
            }
            return all;
        }
        Path checkpoint = base.resolve(ckpt);
        String tok = string(e, "tokenizer", where, false);
        Path tokenizer = tok == null ? null : base.resolve(tok);
        String head = string(e, "head", where, false);
        Integer heads = integer(e, "attention_heads", where);
        Integer textLen = integer(e, "max_text_length", where);
        Integer size = integer(e, "image_size", where);
        String labels = string(e, "labels", where, false);
        Path labelFile = labels == null ? null : base.resolve(labels);
        if (!Files.isRegularFile(checkpoint)) {
            throw new InvalidInputException(where + ": checkpoint " + checkpoint + " is not a file");
        }
        return List.of(new ModelSpec(name, checkpoint.toString(), () -> {
            Beit3.Builder b = Beit3.builder().checkpoint(checkpoint);
            if (tokenizer != null) {
                b.tokenizer(tokenizer);
            }
            if (head != null) {
                b.head(head);
            }
            if (heads != null) {
                b.attentionHeads(heads);
            }
            if (textLen != null) {
                b.maxTextLength(textLen);
            }
            if (size != null) {
                b.imageSize(size);
            }
            if (labelFile != null) {
                b.labels(labelList(labelFile));
            }
            return b.build();
        }));
    }

    private static List<String> labelList(Path f) {
        try {
            List<?> l = new Gson().fromJson(Files.readString(f), List.class);
            List<String> out = new ArrayList<>();
            l.forEach(x -> out.add(String.valueOf(x)));
            return out;
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException("labels " + f + " must be a JSON list of names: " + e.getMessage(), e);
        }
    }

    private static String string(Map<?, ?> e, String key, String where, boolean required) {
        Object v = e.get(key);
        if (v == null) {
            if (required) {
                throw new InvalidInputException(where + " needs '" + key + "'");
            }
            return null;
        }
        if (!(v instanceof String s)) {
            throw new InvalidInputException(where + ": '" + key + "' must be a string, got " + v);
        }
        return s;
    }

    private static Integer integer(Map<?, ?> e, String key, String where) {
        Object v = e.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.intValue();
        }
        throw new InvalidInputException(where + ": '" + key + "' must be an integer, got " + v);
    }
}
