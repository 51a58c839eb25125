package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.io.Npy;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.core.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** One {@code training/<case>} fixture: manifest, checkpoint, batch, reference loss, gradients, step. */
final class TrainingCase {
    static final ProviderRegistry REGISTRY = ProviderRegistry.discover();

    final Path dir;
    final JsonObject manifest;

    TrainingCase(Path dir) {
        this.dir = dir;
        this.manifest = Fixtures.json(dir.resolve("manifest.json"));
    }

    /** Every case directory under {@code training/} that has gradients, sorted. */
    static List<TrainingCase> all() {
        Path t = Fixtures.root().resolve("training");
        if (!Files.isDirectory(t)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(t)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("manifest.json")) && Files.isRegularFile(p.resolve("grads.npz")))
                    .sorted().map(TrainingCase::new).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String name() {
        return dir.getFileName().toString();
    }

    boolean fineTuning() {
        return manifest.has("optimizer") && manifest.get("optimizer").isJsonObject()
                && Files.isRegularFile(dir.resolve("params_after.npz"));
    }

    Path checkpoint() {
        return dir.resolve(manifest.get("checkpoint").getAsString()).normalize();
    }

    int heads() {
        return manifest.getAsJsonObject("config").get("encoder_attention_heads").getAsInt();
    }

    JsonObject parsedRecipe() {
        return manifest.getAsJsonObject("official_recipe").getAsJsonObject("parsed");
    }

    double tol(String what, String kind) {
        return manifest.getAsJsonObject("tolerance").getAsJsonObject(what).get(kind).getAsDouble();
    }

    TrainingTask task() {
        return switch (name()) {
            case "imageclassification" -> Tasks.imageClassification(parsedRecipe().get("label_smoothing").getAsDouble());
            case "vqa" -> Tasks.vqa();
            case "nlvr2" -> Tasks.nlvr2();
            case "retrieval" -> Tasks.retrieval();
            case "captioning" -> Tasks.captioning(parsedRecipe().get("label_smoothing").getAsDouble(),
                    parsedRecipe().get("drop_worst_ratio").getAsDouble(), parsedRecipe().get("drop_worst_after").getAsLong());
            case "mlm_text" -> Tasks.maskedLanguageModeling(false);
            case "mlm_image_text" -> Tasks.maskedLanguageModeling(true);
            case "mim_image" -> Tasks.maskedImageModeling(null);
            default -> throw new IllegalStateException("unknown training case " + name());
        };
    }

    TrainableModel model(NDManager m) throws IOException {
        TrainingTask task = task();
        return TrainableModel.load(Checkpoint.read(checkpoint()),
                new TrainableModel.Spec(heads(), task.headId(), Map.of()), m, REGISTRY);
    }

    /** The batch under the reference's batch keys (classification: the mixed images as {@link BatchKey#IMAGE}). */
    Batch batch(NDManager m) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (JsonElement e : manifest.getAsJsonArray("inputs")) {
            JsonObject o = e.getAsJsonObject();
            arrays.put(o.get("name").getAsString(), Fixtures.npy(dir.resolve(o.get("file").getAsString())).toNDArray(m));
        }
        if (arrays.containsKey("image_mixed")) {
            arrays.put("image", arrays.remove("image_mixed"));
            arrays.remove("label");
        }
        // the reference's batches also carry arrays no objective reads (image_id): they are not batch keys
        Map<BatchKey, NDArray> batch = new java.util.EnumMap<>(BatchKey.class);
        arrays.forEach((name, a) -> BatchKey.find(name).ifPresent(k -> batch.put(k, a)));
        return new Batch(batch);
    }

    Npy.Array npy(String file) {
        return Fixtures.npy(dir.resolve(file));
    }

    boolean has(String file) {
        return Files.isRegularFile(dir.resolve(file));
    }

    Map<String, Npy.Array> npz(String file) {
        try {
            return Npy.readNpz(dir.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Set<String> gradientList(String key) {
        Set<String> out = new HashSet<>();
        JsonArray a = manifest.getAsJsonObject("gradients").getAsJsonArray(key);
        if (a != null) {
            a.forEach(x -> out.add(x.getAsString()));
        }
        return out;
    }

    /** params[] of the manifest by key. */
    Map<String, JsonObject> params() {
        Map<String, JsonObject> out = new LinkedHashMap<>();
        for (JsonElement e : manifest.getAsJsonArray("params")) {
            out.put(e.getAsJsonObject().get("key").getAsString(), e.getAsJsonObject());
        }
        return out;
    }

    static List<String> names(List<TrainingCase> cs) {
        List<String> n = new ArrayList<>();
        cs.forEach(c -> n.add(c.name()));
        return n;
    }
}
