package dev.beit3.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/**
 * Which model a task command runs: the embedded demo model of the task ({@code --models DIR}), or an
 * official checkpoint ({@code --checkpoint FILE --spm FILE}) with optional overrides.
 */
final class ModelOptions {
    /** The JVM property the launcher sets to the repository root. */
    static final String HOME_PROPERTY = "beit3.home";

    /** Example released file per task, for error messages. */
    private static final Map<String, String> EXAMPLES = Map.of(
            "imageclassification", "beit3_base_patch16_224_in1k.pth",
            "retrieval", "beit3_base_patch16_384_coco_retrieval.pth",
            "vqa", "beit3_base_patch16_480_vqa.pth",
            "nlvr2", "beit3_base_patch16_224_nlvr2.pth",
            "captioning", "beit3_base_patch16_480_coco_captioning.pth");

    @Option(names = "--models", paramLabel = "DIR",
            description = "folder of ready-to-run models with a models.json (default: the embedded demo models,"
                    + " <beit3.home>/models/demo or ./models/demo)")
    Path models;

    @Option(names = "--checkpoint", paramLabel = "FILE",
            description = "an official BEiT-3 checkpoint (.pth or .safetensors) instead of the demo model")
    Path checkpoint;

    @Option(names = "--spm", paramLabel = "FILE",
            description = "the SentencePiece tokenizer of --checkpoint (the official beit3.spm)")
    Path spm;

    @Option(names = "--head", paramLabel = "ID",
            description = "head of --checkpoint (default: detected from its keys):"
                    + " imageclassification, retrieval, vqa, nlvr2, captioning")
    String head;

    @Option(names = "--image-size", paramLabel = "S",
            description = "image side in pixels (default: the checkpoint's; other sizes interpolate the positions)")
    Integer imageSize;

    @Option(names = "--heads", paramLabel = "H",
            description = "attention heads (default: width/64 as in the released models; needed for other widths)")
    Integer attentionHeads;

    @Option(names = "--labels", paramLabel = "FILE",
            description = "class or answer labels by index: a JSON list, a JSON object label->index,"
                    + " JSON lines {\"answer\": ..., \"label\": ...}, or one label per line")
    Path labels;

    @Option(names = "--kernels", paramLabel = "ID",
            description = "kernel backend of the linear layers: auto (default: the fastest available, logged), djl"
                    + " (the reference) or onednn; also -Dbeit3.kernels")
    String kernels;

    @Option(names = "--precision", paramLabel = "P",
            description = "fp32 (default), bf16 or int8 matrix products (bf16/int8 need --kernels onednn on a CPU with"
                    + " AVX512_BF16 / VNNI); also -Dbeit3.precision")
    String precision;

    @Option(names = "--max-text-length", paramLabel = "N",
            description = "text segment length in tokens (default: the model's)")
    Integer maxTextLength;

    ModelOptions() {}

    /**
     * The demo model folder: {@code --models}, else {@code <beit3.home>/models/demo}, else
     * {@code ./models/demo}.
     *
     * @param explicit the value of {@code --models}, or null
     * @return the folder
     */
    static Path modelsDir(Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        String home = System.getProperty(HOME_PROPERTY);
        return home != null ? Path.of(home, "models", "demo") : Path.of("models", "demo");
    }

    /**
     * Opens the demo model package, with a helpful message when it is missing.
     *
     * @param explicit the value of {@code --models}, or null
     * @return the package
     */
    static ModelPackage openPackage(Path explicit) {
        Path dir = modelsDir(explicit);
        if (!Files.isRegularFile(dir.resolve("models.json"))) {
            throw new InvalidInputException("no models at " + Inputs.display(dir) + " (no models.json there); run the command"
                    + " through ./beit3 at the repository root, pass --models DIR, or use an official checkpoint"
                    + " with --checkpoint FILE --spm FILE");
        }
        return ModelPackage.open(dir);
    }

    /**
     * Loads the model for a task.
     *
     * @param task the head the command needs, e.g. {@code "vqa"}
     * @param command the command name, for messages
     * @param common the shared options (image limits)
     * @return the model; the caller closes it
     */
    Beit3 load(String task, String command, CommonOptions common) {
        if (head != null && !head.equals(task)) {
            throw new InvalidInputException("--head " + head + " does not fit `beit3 " + command + "`, which needs the "
                    + task + " head; leave --head out or use another command");
        }
        if (imageSize != null && imageSize < 1) {
            throw new InvalidInputException("--image-size must be positive, got " + imageSize);
        }
        if (maxTextLength != null && maxTextLength < 3) {
            throw new InvalidInputException("--max-text-length must be at least 3, got " + maxTextLength);
        }
        Beit3.Builder b;
        if (checkpoint == null) {
            if (spm != null) {
                throw new InvalidInputException("--spm is only used with --checkpoint; the demo models bring their"
                        + " own tokenizer");
            }
            ModelPackage pkg = openPackage(models);
            if (!pkg.tasks().contains(task)) {
                throw new InvalidInputException("the models in " + Inputs.display(pkg.directory()) + " have no " + task + " model"
                        + ("nlvr2".equals(task) ? " (the demo's shapes world has no image pairs, so no NLVR2 model"
                        + " ships with it)" : "") + "; pass an official one: --checkpoint " + EXAMPLES.get(task)
                        + " --spm beit3.spm");
            }
            b = pkg.builder(task);
        } else {
            requireFile(checkpoint, "checkpoint", "--checkpoint");
            if (spm == null && !task.equals("imageclassification")) {
                throw new InvalidInputException("`beit3 " + command + "` with --checkpoint also needs the tokenizer:"
                        + " --spm beit3.spm (the official SentencePiece model, downloaded with the checkpoints)");
            }
            b = Beit3.builder().checkpoint(checkpoint);
            if (spm != null) {
                requireFile(spm, "tokenizer", "--spm");
                b.tokenizer(spm);
            }
            if (head != null) {
                b.head(head);
            } else {
                // detected inside the one load, from the keys, before any weight is read
                b.checkHead(found -> {
                    if (!found.equals(task)) {
                        throw new InvalidInputException(checkpoint + " is a " + found + " checkpoint (detected from"
                                + " its keys), but `beit3 " + command + "` needs a " + task + " checkpoint such as "
                                + EXAMPLES.get(task));
                    }
                });
            }
        }
        if (imageSize != null) {
            b.imageSize(imageSize);
        }
        if (attentionHeads != null) {
            if (attentionHeads < 1) {
                throw new InvalidInputException("--heads must be positive, got " + attentionHeads);
            }
            b.attentionHeads(attentionHeads);
        }
        if (maxTextLength != null) {
            b.maxTextLength(maxTextLength);
        }
        if (labels != null) {
            b.labels(readLabels(labels));
        }
        b.imageLimits(common.limits());
        if (kernels != null) {
            b.kernels(kernels);
        }
        if (precision != null) {
            b.precision(dev.beit3.api.Precision.parse(precision));
        }
        Beit3 model;
        try {
            model = b.build();
        } catch (CheckpointException | InvalidInputException e) {
            // the facade names its builder method; on the command line it is an option
            String msg = e.getMessage() == null ? "" : e.getMessage();
            if (msg.contains("attentionHeads(h)") || msg.contains("imageSize(s)")) {
                throw new InvalidInputException(msg.replace("Beit3.builder().attentionHeads(h)", "--heads H")
                        .replace("Beit3.builder().imageSize(s)", "--image-size S")
                        .replace("imageSize ", "--image-size ").replace("patchSize", "patch size")
                        .replace("is not divisible by heads", "is not divisible by --heads"), e);
            }
            throw e;
        }
        if (!model.headId().equals(task)) {
            String found = model.headId();
            model.close();
            throw new InvalidInputException(checkpoint + " is a " + found + " checkpoint (detected from its keys), but `beit3 "
                    + command + "` needs a " + task + " checkpoint such as " + EXAMPLES.get(task));
        }
        return model;
    }

    private static void requireFile(Path p, String what, String option) {
        if (!Files.isRegularFile(p)) {
            throw new InvalidInputException(what + " file not found: " + p + " (" + option + ")");
        }
    }

    /**
     * Reads a label file: a JSON list; a JSON object label → index (or index → label); JSON lines
     * with {@code answer}/{@code label} (the official VQA {@code answer2label.txt}); or plain lines.
     *
     * @param file the file
     * @return labels by index
     */
    static List<String> readLabels(Path file) {
        requireFile(file, "labels", "--labels");
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read labels " + file + ": " + e.getMessage(), e);
        }
        String t = text.strip();
        try {
            if (t.startsWith("[")) {
                List<String> out = new ArrayList<>();
                JsonParser.parseString(t).getAsJsonArray().forEach(e -> out.add(e.getAsString()));
                return out;
            }
            if (t.startsWith("{")) {
                try {
                    return fromObject(JsonParser.parseString(t).getAsJsonObject(), file);
                } catch (JsonParseException | IllegalStateException e) {
                    // JSON lines
                    Map<Integer, String> byIndex = new TreeMap<>();
                    for (String line : t.split("\\R")) {
                        if (line.isBlank()) {
                            continue;
                        }
                        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                        String name = o.has("answer") ? o.get("answer").getAsString() : o.get("name").getAsString();
                        byIndex.put(o.get("label").getAsInt(), name);
                    }
                    return dense(byIndex, file);
                }
            }
        } catch (RuntimeException e) {
            throw new InvalidInputException("cannot parse labels " + file + ": " + e.getMessage()
                    + "; give a JSON list of strings or one label per line", e);
        }
        List<String> out = new ArrayList<>();
        for (String line : text.split("\\R")) {
            if (!line.isBlank()) {
                out.add(line.strip());
            }
        }
        return out;
    }

    private static List<String> fromObject(JsonObject o, Path file) {
        Map<Integer, String> byIndex = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (e.getValue().isJsonArray()) {
                List<String> out = new ArrayList<>();
                e.getValue().getAsJsonArray().forEach(x -> out.add(x.getAsString()));
                return out;
            }
            if (e.getKey().matches("\\d+")) {
                byIndex.put(Integer.parseInt(e.getKey()), e.getValue().getAsString());
            } else {
                byIndex.put(e.getValue().getAsInt(), e.getKey());
            }
        }
        return dense(byIndex, file);
    }

    private static List<String> dense(Map<Integer, String> byIndex, Path file) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Integer, String> e : byIndex.entrySet()) {
            if (e.getKey() != out.size()) {
                throw new InvalidInputException("labels " + file + " skip index " + out.size()
                        + "; every index from 0 needs a label");
            }
            out.add(e.getValue());
        }
        return out;
    }
}
