package dev.beit3.heads;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.io.Npy;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** One golden case of the fixture set: its manifest, inputs, outputs and tolerance. */
final class ParityCase {
    final Path dir;
    final JsonObject manifest;
    final double atol;
    final double rtol;
    /** Outputs compared so far (by {@link #check}). */
    final java.util.Set<String> checked = new java.util.LinkedHashSet<>();

    ParityCase(Path dir) {
        this.dir = dir;
        this.manifest = Fixtures.json(dir.resolve("manifest.json"));
        JsonObject tol = manifest.getAsJsonObject("tolerance");
        atol = tol == null ? 1e-4 : tol.get("atol").getAsDouble();
        rtol = tol == null ? 1e-4 : tol.get("rtol").getAsDouble();
    }

    /** Case directories of a model under the fixture root, sorted. */
    static List<ParityCase> of(String model) throws Exception {
        Path m = Fixtures.root().resolve("models").resolve(model);
        if (!Files.isDirectory(m)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(m)) {
            List<ParityCase> out = new ArrayList<>();
            s.filter(p -> Files.isRegularFile(p.resolve("manifest.json"))).sorted().forEach(p -> out.add(new ParityCase(p)));
            return out;
        }
    }

    String name() {
        return dir.getParent().getFileName() + "/" + dir.getFileName();
    }

    Path checkpoint() {
        return dir.resolve(manifest.get("checkpoint").getAsString()).normalize();
    }

    JsonObject config() {
        return manifest.getAsJsonObject("config");
    }

    /** The encoder configuration the reference built for this case. */
    EncoderConfig encoderConfig() {
        JsonObject c = config();
        return new EncoderConfig(ModelFamily.BEIT3, c.get("encoder_embed_dim").getAsInt(),
                c.get("encoder_attention_heads").getAsInt(), c.get("encoder_layers").getAsInt(),
                c.get("encoder_ffn_embed_dim").getAsInt(), c.get("patch_size").getAsInt(), c.get("img_size").getAsInt(),
                c.get("vocab_size").getAsInt(), c.get("max_source_positions").getAsInt(),
                c.get("layernorm_eps").getAsDouble(), c.get("normalize_output").getAsBoolean(),
                c.get("encoder_layers").getAsInt());
    }

    boolean has(String name) {
        return find("inputs", name) != null || find("outputs", name) != null;
    }

    JsonObject find(String section, String name) {
        for (JsonElement e : manifest.getAsJsonArray(section)) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        return null;
    }

    /** Names of the manifest's outputs not compared yet. */
    List<String> uncheckedOutputs() {
        List<String> out = new ArrayList<>();
        for (JsonElement e : manifest.getAsJsonArray("outputs")) {
            String n = e.getAsJsonObject().get("name").getAsString();
            if (!checked.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    Npy.Array npy(String name) {
        JsonObject o = find("inputs", name);
        if (o == null) {
            o = find("outputs", name);
        }
        if (o == null) {
            throw new IllegalArgumentException(name() + " has no array " + name);
        }
        return Fixtures.npy(dir.resolve(o.get("file").getAsString()));
    }

    NDArray input(String name, NDManager m) {
        return npy(name).toNDArray(m);
    }

    /** Compares, prints one line, and asserts the manifest tolerance. Returns the max abs diff. */
    double check(String output, float[] actual) {
        checked.add(output);
        float[] expected = npy(output).floats();
        Fixtures.Closeness c = Fixtures.compare(actual, expected, atol, rtol);
        System.out.printf(Locale.ROOT, "parity %-34s %-30s max|diff| %.3e%n", name(), output, c.maxAbsDiff());
        assertThat(c.withinTolerance())
                .as("%s %s within atol %s rtol %s (max diff %s, first failure at %s)", name(), output, atol, rtol,
                        c.maxAbsDiff(), c.firstFailure())
                .isTrue();
        return c.maxAbsDiff();
    }
}
