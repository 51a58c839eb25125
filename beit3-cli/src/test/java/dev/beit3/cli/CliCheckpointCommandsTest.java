package dev.beit3.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.beit3.core.testing.Fixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** {@code beit3 inspect} and {@code beit3 convert}, run in-process on every fixture checkpoint. */
class CliCheckpointCommandsTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Beit3Cli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static Stream<Path> checkpoints() throws IOException {
        try (Stream<Path> s = Files.walk(Fixtures.root())) {
            return s.filter(p -> p.toString().endsWith(".pth") || p.toString().endsWith(".pt")).sorted().toList().stream();
        }
    }

    private static Path manifest(Path ckpt) {
        String n = ckpt.getFileName().toString();
        return ckpt.resolveSibling(n.substring(0, n.lastIndexOf('.')) + ".checkpoint.json");
    }

    /** Checks the JSON of inspect against the facts of checkpoint.json (when there is one). */
    private static void assertFacts(JsonObject j, Path ckpt) {
        Path mf = manifest(ckpt);
        if (!Files.isRegularFile(mf)) {
            return;
        }
        JsonObject m = Fixtures.json(mf);
        JsonArray keys = m.getAsJsonArray("state_dict_keys");
        assertThat(j.get("tensor_count").getAsInt()).isEqualTo(keys.size());
        long params = 0;
        int floats = 0;
        int longs = 0;
        for (JsonElement k : keys) {
            long n = 1;
            for (JsonElement d : k.getAsJsonArray().get(1).getAsJsonArray()) {
                n *= d.getAsLong();
            }
            params += n;
            String dt = k.getAsJsonArray().get(2).getAsString();
            floats += dt.equals("float32") ? 1 : 0;
            longs += dt.equals("int64") ? 1 : 0;
        }
        assertThat(j.get("parameter_count").getAsLong()).isEqualTo(params);
        JsonObject dtypes = j.getAsJsonObject("dtypes");
        assertThat(dtypes.has("float32") ? dtypes.get("float32").getAsInt() : 0).isEqualTo(floats);
        assertThat(dtypes.has("int64") ? dtypes.get("int64").getAsInt() : 0).isEqualTo(longs);
        String modelClass = m.get("model_class").getAsString();
        JsonObject cfg = m.getAsJsonObject("config");
        if (modelClass.startsWith("vlmo.")) {
            assertThat(j.get("family").getAsString()).isEqualTo("vlmo");
            assertThat(j.get("dim").getAsInt()).isEqualTo(cfg.get("embed_dim").getAsInt());
            assertThat(j.get("layers").getAsInt()).isEqualTo(cfg.get("depth").getAsInt());
        } else {
            assertThat(j.get("family").getAsString()).isEqualTo("beit3");
            assertThat(j.get("dim").getAsInt()).isEqualTo(cfg.get("encoder_embed_dim").getAsInt());
            assertThat(j.get("layers").getAsInt()).isEqualTo(cfg.get("encoder_layers").getAsInt());
            assertThat(j.get("image_size").getAsInt()).isEqualTo(cfg.get("img_size").getAsInt());
        }
        if (m.has("sha256") && j.get("format").getAsString().equals("pth")) {
            assertThat(j.get("sha256").getAsString()).isEqualTo(m.get("sha256").getAsString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checkpoints")
    void inspectJsonMatchesCheckpointJson(Path ckpt) {
        Run r = run("inspect", ckpt.toString(), "--json");
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        assertThat(j.get("format").getAsString()).isEqualTo("pth");
        assertFacts(j, ckpt);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checkpoints")
    void convertThenInspectTheSafetensors(Path ckpt) {
        Path out = dir.resolve(ckpt.getFileName() + ".safetensors");
        Run c = run("convert", ckpt.toString(), out.toString());
        assertThat(c.err()).isEmpty();
        assertThat(c.code()).isZero();
        assertThat(c.out()).contains("wrote");
        assertThat(out).isRegularFile();
        Run r = run("inspect", out.toString(), "--json", "--tensors");
        assertThat(r.code()).isZero();
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        assertThat(j.get("format").getAsString()).isEqualTo("safetensors");
        assertThat(j.get("state_dict_location").getAsString()).isEmpty();
        assertFacts(j, ckpt);
        Path mf = manifest(ckpt);
        if (Files.isRegularFile(mf)) {
            List<String> expected = new ArrayList<>();
            Fixtures.json(mf).getAsJsonArray("state_dict_keys").forEach(k -> expected.add(k.getAsJsonArray().get(0).getAsString()));
            List<String> actual = new ArrayList<>();
            j.getAsJsonArray("tensors").forEach(t -> actual.add(t.getAsJsonArray().get(0).getAsString()));
            assertThat(actual).isEqualTo(expected);
        }
        // no temporary files left behind
        assertThat(dir.toFile().list()).allMatch(n -> !n.endsWith(".tmp"));
    }

    @Test
    void inspectTextShowsLayoutAndSummary() {
        Path f = Fixtures.trainingStateCheckpoint(Fixtures.root()).orElseThrow(
                () -> new AssertionError("no checkpoint with training state under " + Fixtures.root()));
        // it holds the encoder's state dict (fixtures README): the counts and sizes of the encoder's checkpoint.json
        JsonObject enc = Fixtures.json(Fixtures.checkpointJson(Fixtures.root(), "encoder"));
        JsonArray keys = enc.getAsJsonArray("state_dict_keys");
        long floats = StreamSupport.stream(keys.spliterator(), false)
                .filter(k -> k.getAsJsonArray().get(2).getAsString().equals("float32")).count();
        JsonObject cfg = enc.getAsJsonObject("config");
        Run r = run("inspect", f.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("pth (torch.save zip archive)", "under 'model'",
                "optimizer, epoch, scaler, args", "tensors:     " + keys.size(), "float32 " + floats,
                "BEiT-3, dim " + cfg.get("encoder_embed_dim").getAsInt() + ", " + cfg.get("encoder_layers").getAsInt()
                        + " layers");
    }

    @Test
    void convertRefusesToOverwriteWithoutForce() throws IOException {
        Path in = Fixtures.checkpoint(Fixtures.root(), "encoder");
        Path out = Files.writeString(dir.resolve("exists.safetensors"), "keep me");
        Run r = run("convert", in.toString(), out.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("already exists", "--force");
        assertThat(Files.readString(out)).isEqualTo("keep me");
        Run forced = run("convert", in.toString(), out.toString(), "--force");
        assertThat(forced.code()).isZero();
        assertThat(Files.size(out)).isGreaterThan(1000);
    }

    @Test
    void badInputExitsWithTwoAndOneLine() throws IOException {
        Run missing = run("inspect", dir.resolve("nope.pth").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).startsWith("beit3: error: file not found").contains("nope.pth");
        assertThat(missing.err().strip().lines()).hasSize(1);

        Path junk = Files.write(dir.resolve("junk.pth"), "not a checkpoint".getBytes(StandardCharsets.UTF_8));
        Run bad = run("inspect", junk.toString(), "--json");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.out()).isEmpty();
        assertThat(bad.err()).startsWith("beit3: error:").contains("junk.pth");

        Run conv = run("convert", junk.toString(), dir.resolve("o.safetensors").toString());
        assertThat(conv.code()).isEqualTo(2);
        assertThat(dir.resolve("o.safetensors")).doesNotExist();

        Run usage = run("inspect");
        assertThat(usage.code()).isEqualTo(2);
    }

    @Test
    void helpListsSubcommands() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("inspect", "convert");
    }
}
