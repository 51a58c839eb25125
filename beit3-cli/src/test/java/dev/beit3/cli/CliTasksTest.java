package dev.beit3.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.beit3.core.io.Npy;
import dev.beit3.core.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs each task command in-process on the demo models ({@code -Dbeit3.demo=DIR}) and checks its output
 * against the demo's {@code reference_predictions.json}, never against our own earlier output.
 */
class CliTasksTest {
    private static Path demo;
    private static Path samples;
    private static JsonObject reference;

    @TempDir
    Path tmp;

    /** What one command run printed. */
    record Run(int code, String out, String err) {
        List<JsonObject> jsonLines() {
            List<JsonObject> l = new ArrayList<>();
            for (String line : out.split("\\R")) {
                if (!line.isBlank()) {
                    l.add(JsonParser.parseString(line).getAsJsonObject());
                }
            }
            return l;
        }
    }

    @BeforeAll
    static void load() {
        demo = Fixtures.demo();
        samples = demo.resolve("samples");
        reference = Fixtures.json(demo.resolve("reference_predictions.json"));
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Beit3Cli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** The arguments followed by {@code --models DEMO}. */
    static String[] withModels(String... args) {
        String[] a = java.util.Arrays.copyOf(args, args.length + 2);
        a[args.length] = "--models";
        a[args.length + 1] = demo.toString();
        return a;
    }

    static String image(String rel) {
        return samples.resolve(rel).toString();
    }

    static void assertClose(double actual, double expected, String what) {
        assertThat(Math.abs(actual - expected)).as("%s: %s vs reference %s", what, actual, expected)
                .isLessThanOrEqualTo(1e-4 + 1e-4 * Math.abs(expected));
    }

    static List<JsonObject> predictions(String task) {
        return StreamSupport.stream(reference.getAsJsonObject(task).getAsJsonArray("predictions").spliterator(), false)
                .map(JsonElement::getAsJsonObject).toList();
    }

    @Test
    void captionOfTwoShapeSampleEqualsReference() {
        // the longest reference caption: a two-shape scene
        JsonObject p = predictions("captioning").stream()
                .max(Comparator.comparingInt(o -> o.get("caption").getAsString().length())).orElseThrow();
        Run r = run(withModels("caption", "--json", image(p.get("image").getAsString())));
        assertThat(r.code()).as(r.err()).isZero();
        JsonObject o = r.jsonLines().get(0);
        assertThat(o.get("caption").getAsString()).isEqualTo(p.get("caption").getAsString());
        List<Long> ids = new ArrayList<>();
        o.getAsJsonArray("decoded_ids").forEach(e -> ids.add(e.getAsLong()));
        List<Long> expected = new ArrayList<>();
        p.getAsJsonArray("decoded_ids").forEach(e -> expected.add(e.getAsLong()));
        assertThat(ids).isEqualTo(expected);
    }

    @Test
    void greedyCaptionEqualsReferenceBeamOne() {
        JsonObject p = predictions("captioning").get(0);
        Run r = run(withModels("caption", "--beams", "1", image(p.get("image").getAsString())));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).endsWith(": " + p.get("caption_beam1").getAsString());
    }

    @Test
    void vqaAnswersHighMarginQuestionsLikeReference() {
        // the two questions with the largest top-1/top-2 margin on one image
        JsonObject best = predictions("vqa").stream()
                .max(Comparator.comparingDouble(o -> o.get("top1_top2_logit_margin").getAsDouble())).orElseThrow();
        Run r = run(withModels("vqa", "--json", image(best.get("image").getAsString()),
                best.get("question").getAsString()));
        assertThat(r.code()).as(r.err()).isZero();
        JsonObject o = r.jsonLines().get(0);
        assertThat(o.get("answer").getAsString()).isEqualTo(best.get("answer").getAsString());
        JsonArray top = o.getAsJsonArray("top");
        JsonArray refTop = best.getAsJsonArray("top3");
        for (int i = 0; i < refTop.size(); i++) {
            JsonObject ours = top.get(i).getAsJsonObject();
            JsonObject ref = refTop.get(i).getAsJsonObject();
            assertThat(ours.get("label").getAsString()).isEqualTo(ref.get("answer").getAsString());
            assertClose(ours.get("logit").getAsDouble(), ref.get("logit").getAsDouble(), "logit " + i);
            assertClose(ours.get("probability").getAsDouble(), ref.get("probability").getAsDouble(), "sigmoid " + i);
        }
    }

    @Test
    void classifyFolderGivesReferenceLabelsAndProbabilities() {
        Run r = run(withModels("classify", "--json", "--top-k", "3", samples.resolve("images").toString()));
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonObject> lines = r.jsonLines();
        List<JsonObject> refs = predictions("imageclassification");
        assertThat(lines).hasSize(refs.size());
        int labels = 0;
        for (JsonObject ref : refs) {
            Path file = samples.resolve(ref.get("image").getAsString());
            JsonObject ours = lines.stream().filter(o -> Path.of(o.get("image").getAsString()).equals(file))
                    .findFirst().orElseThrow();
            if (ref.get("top1_top2_logit_margin").getAsDouble() > 1e-3) {
                assertThat(ours.get("label").getAsString()).as(file.toString()).isEqualTo(ref.get("label").getAsString());
                labels++;
            }
            JsonObject top = ours.getAsJsonArray("top").get(0).getAsJsonObject();
            JsonObject refTop = ref.getAsJsonArray("top3").get(0).getAsJsonObject();
            assertClose(top.get("logit").getAsDouble(), refTop.get("logit").getAsDouble(), file + " logit");
            assertClose(top.get("probability").getAsDouble(), refTop.get("probability").getAsDouble(), file + " p");
        }
        assertThat(labels).isPositive();
    }

    @Test
    void searchRanksImagesForCaptionQueriesLikeReference() {
        JsonObject ret = reference.getAsJsonObject("retrieval");
        JsonArray t2i = ret.getAsJsonArray("text_to_image");
        // a two-shape caption query and the short query of the README ("a red circle"), if the set has it
        List<Integer> picks = new ArrayList<>();
        for (int j = 0; j < t2i.size(); j++) {
            JsonObject q = t2i.get(j).getAsJsonObject();
            String text = q.get("text").getAsString();
            boolean clear = q.getAsJsonArray("ranking").get(0).getAsJsonObject().get("gap_to_next").getAsDouble() > 1e-4;
            if (clear && (text.contains(" and ") && picks.isEmpty() || text.equals("a red circle"))) {
                picks.add(j);
            }
        }
        assertThat(picks).isNotEmpty();
        List<String> args = new ArrayList<>(List.of("search", "--json", "--top-k", "1", "--images",
                samples.resolve("images").toString()));
        for (int j : picks) {
            args.add("--query");
            args.add(t2i.get(j).getAsJsonObject().get("text").getAsString());
        }
        Run r = run(withModels(args.toArray(String[]::new)));
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonObject> lines = r.jsonLines();
        assertThat(lines).hasSize(picks.size());
        for (int k = 0; k < picks.size(); k++) {
            JsonObject refFirst = t2i.get(picks.get(k)).getAsJsonObject().getAsJsonArray("ranking").get(0)
                    .getAsJsonObject();
            JsonObject first = lines.get(k).getAsJsonArray("ranking").get(0).getAsJsonObject();
            assertThat(Path.of(first.get("image").getAsString()))
                    .isEqualTo(samples.resolve(refFirst.get("image").getAsString()));
            assertClose(first.get("score").getAsDouble(), refFirst.get("score").getAsDouble(), "top-1 score");
        }
    }

    @Test
    void searchRanksTextsForAnImageLikeReference() throws Exception {
        JsonObject ret = reference.getAsJsonObject("retrieval");
        Path texts = tmp.resolve("queries.txt");
        List<String> q = new ArrayList<>();
        ret.getAsJsonArray("queries").forEach(e -> q.add(e.getAsJsonObject().get("text").getAsString()));
        Files.write(texts, q);
        JsonObject i2t = StreamSupport.stream(ret.getAsJsonArray("image_to_text").spliterator(), false)
                .map(JsonElement::getAsJsonObject)
                .filter(o -> o.getAsJsonArray("ranking").get(0).getAsJsonObject().get("gap_to_next").getAsDouble() > 1e-4)
                .findFirst().orElseThrow();
        Run r = run(withModels("search", "--json", "--top-k", "2", "--image", image(i2t.get("image").getAsString()),
                "--texts-file", texts.toString()));
        assertThat(r.code()).as(r.err()).isZero();
        JsonArray ranking = r.jsonLines().get(0).getAsJsonArray("ranking");
        JsonObject refFirst = i2t.getAsJsonArray("ranking").get(0).getAsJsonObject();
        assertThat(ranking.get(0).getAsJsonObject().get("text").getAsString())
                .isEqualTo(refFirst.get("text").getAsString());
        assertClose(ranking.get(0).getAsJsonObject().get("score").getAsDouble(), refFirst.get("score").getAsDouble(),
                "score");
    }

    @Test
    void embedImagesAsNpyEqualsReferenceEmbeddings() throws Exception {
        JsonObject ret = reference.getAsJsonObject("retrieval");
        List<String> args = new ArrayList<>(List.of("embed", "--format", "npy", "--output",
                tmp.resolve("images.npy").toString(), "--batch", "5", "--images"));
        ret.getAsJsonArray("gallery").forEach(g -> args.add(image(g.getAsString())));
        Run r = run(withModels(args.toArray(String[]::new)));
        assertThat(r.code()).as(r.err()).isZero();
        Npy.Array a = Npy.read(tmp.resolve("images.npy"));
        JsonArray expected = ret.getAsJsonArray("image_embeddings");
        int d = expected.get(0).getAsJsonArray().size();
        assertThat(a.descr()).isEqualTo("<f4");
        assertThat(a.shape()).containsExactly(expected.size(), d);
        float[] f = a.floats();
        for (int i = 0; i < expected.size(); i++) {
            for (int k = 0; k < d; k++) {
                assertClose(f[i * d + k], expected.get(i).getAsJsonArray().get(k).getAsDouble(), "row " + i + " col " + k);
            }
        }
    }

    @Test
    void embedTextsAsJsonLinesEqualsReferenceEmbeddings() {
        JsonObject ret = reference.getAsJsonObject("retrieval");
        List<String> args = new ArrayList<>(List.of("embed", "--texts"));
        ret.getAsJsonArray("queries").forEach(e -> args.add(e.getAsJsonObject().get("text").getAsString()));
        Run r = run(withModels(args.toArray(String[]::new)));
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonObject> lines = r.jsonLines();
        JsonArray expected = ret.getAsJsonArray("text_embeddings");
        assertThat(lines).hasSize(expected.size());
        for (int j = 0; j < lines.size(); j++) {
            assertThat(lines.get(j).get("text").getAsString())
                    .isEqualTo(ret.getAsJsonArray("queries").get(j).getAsJsonObject().get("text").getAsString());
            JsonArray ours = lines.get(j).getAsJsonArray("embedding");
            for (int k = 0; k < ours.size(); k++) {
                assertClose(ours.get(k).getAsDouble(), expected.get(j).getAsJsonArray().get(k).getAsDouble(),
                        "text " + j + " col " + k);
            }
        }
    }
}
