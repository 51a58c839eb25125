package dev.beit3.cli;

import static dev.beit3.cli.CliTasksTest.image;
import static dev.beit3.cli.CliTasksTest.run;
import static dev.beit3.cli.CliTasksTest.withModels;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo command's agreement report, and bad input: exit code 2 with a one-line message naming the problem. */
class CliDemoAndErrorsTest {
    private static Path demo;
    private static JsonObject reference;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        CliTasksTest.load();
        demo = Fixtures.demo();
        reference = Fixtures.json(demo.resolve("reference_predictions.json"));
    }

    /** The i-th picture of the demo set (order of its {@code samples/samples.json}), whatever it is called. */
    private static String sample(int i) {
        JsonArray images = Fixtures.json(demo.resolve("samples/samples.json")).getAsJsonArray("images");
        return image(images.get(i % images.size()).getAsJsonObject().get("file").getAsString());
    }

    /** A task's entry in the demo set's {@code models.json}. */
    private static JsonObject model(String task) {
        return Fixtures.json(demo.resolve("models.json")).getAsJsonObject("models").getAsJsonObject(task);
    }

    /** The demo set's file named by {@code key} of a task's models.json entry. */
    private static String file(String task, String key) {
        return demo.resolve(model(task).get(key).getAsString()).toString();
    }

    /** The demo set's tokenizer, as named by its models.json. */
    private static String spm() {
        return demo.resolve(Fixtures.json(demo.resolve("models.json")).getAsJsonObject("tokenizer").get("file")
                .getAsString()).toString();
    }

    private static int count(String task) {
        return reference.getAsJsonObject(task).has("predictions")
                ? reference.getAsJsonObject(task).getAsJsonArray("predictions").size()
                : reference.getAsJsonObject(task).getAsJsonArray("queries").size();
    }

    @Test
    void everyCommandsHelpRendersWithoutFormatWarnings() {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            picocli.CommandLine cl = new picocli.CommandLine(new Beit3Cli());
            assertThat(cl.getSubcommands()).containsKeys("train", "pretrain", "evaluate", "demo");
            for (var sub : cl.getSubcommands().values()) {
                assertThat(sub.getUsageMessage()).contains("Usage: beit3 " + sub.getCommandName());
            }
        } finally {
            System.setErr(saved);
        }
        // picocli falls back to the raw text and warns on stderr when a description is not a valid format string
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
    }

    @Test
    void demoAgreesFullyWithTheReference() {
        CliTasksTest.Run r = run(withModels("demo"));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        int captions = count("captioning");
        int answers = count("vqa");
        int classes = count("imageclassification");
        int queries = count("retrieval");
        assertThat(r.out()).contains(String.format("demo: %d/%d captions, %d/%d answers, %d/%d classes, %d/%d retrieval"
                + " rankings agree with the reference", captions, captions, answers, answers, classes, classes,
                queries, queries));
        assertThat(r.out()).contains("Captions", "Questions", "Classes", "Search");
        System.out.println(r.out().lines().reduce((a, b) -> b).orElse(""));
    }

    @Test
    void missingImageIsBadInput() {
        CliTasksTest.Run r = run(withModels("classify", tmp.resolve("nope.png").toString()));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("beit3: error: image file not found:").contains("nope.png")
                .doesNotContain("\n");
    }

    @Test
    void notAnImageIsBadInput() throws Exception {
        Path txt = Files.writeString(tmp.resolve("notes.png"), "not a picture");
        CliTasksTest.Run r = run(withModels("caption", txt.toString()));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("beit3: error:").contains("notes.png", "not an image")
                .doesNotContain("\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void folderWithOneBadImageProcessesTheOthersAndReportsIt() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("imgs"));
        Files.copy(Path.of(sample(0)), dir.resolve("a.png"));
        Files.copy(Path.of(sample(1)), dir.resolve("c.png"));
        Files.write(dir.resolve("b.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
        Files.writeString(dir.resolve("readme.txt"), "ignored: not an image extension");
        CliTasksTest.Run r = run(withModels("classify", "--json", "-k", "1", dir.toString()));
        assertThat(r.code()).isEqualTo(2);
        List<JsonObject> lines = new CliTasksTest.Run(0, r.out(), "").jsonLines();
        assertThat(lines).extracting(o -> Path.of(o.get("image").getAsString()).getFileName().toString())
                .containsExactly("a.png", "c.png");
        assertThat(r.err()).contains("b.png").contains("1 of 3 images could not be read").doesNotContain("readme");
    }

    @Test
    void nlvr2WithoutCheckpointSaysTheDemoHasNone() {
        CliTasksTest.Run r = run(withModels("nlvr2", sample(0), sample(1),
                "the left image has a red circle"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no nlvr2 model", "--checkpoint", "nlvr2.pth");
    }

    @Test
    void checkpointOfAnotherTaskIsBadInput() {
        CliTasksTest.Run r = run("vqa", "--checkpoint", file("retrieval", "file"), "--spm", spm(), "--heads",
                model("retrieval").get("heads").getAsString(), sample(0), "what?");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("is a retrieval checkpoint", "needs a vqa checkpoint");
    }

    @Test
    void officialCheckpointPathRunsWithExplicitSettings() {
        // the demo's VQA file through the --checkpoint path: head detected from its keys, labels from a file;
        // the question the reference answers with the largest margin
        JsonObject best = CliTasksTest.predictions("vqa").stream()
                .max(java.util.Comparator.comparingDouble(o -> o.get("top1_top2_logit_margin").getAsDouble()))
                .orElseThrow();
        CliTasksTest.Run r = run("vqa", "--json", "--checkpoint", file("vqa", "file"), "--spm", spm(), "--heads",
                model("vqa").get("heads").getAsString(), "--max-text-length",
                model("vqa").get("text_max_len").getAsString(), "--labels", file("vqa", "labels_file"),
                image(best.get("image").getAsString()), best.get("question").getAsString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(new CliTasksTest.Run(0, r.out(), "").jsonLines().get(0).get("answer").getAsString())
                .isEqualTo(best.get("answer").getAsString());
    }

    @Test
    void missingDemoModelsFolderIsBadInput() {
        CliTasksTest.Run r = run("caption", "--models", tmp.resolve("nowhere").toString(), sample(0));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no models at", "--models DIR");
    }

    @Test
    void npyWithoutOutputAndUnknownOptionsAreBadInput() {
        assertThat(run(withModels("embed", "--texts", "a red circle", "--format", "npy")).code()).isEqualTo(2);
        assertThat(run("classify", "--no-such-option", "x.png").code()).isEqualTo(2);
        assertThat(run(withModels("search", "--query", "a red circle")).err()).contains("--images");
    }

    @Test
    void labelFilesInEveryFormat() throws Exception {
        assertThat(ModelOptions.readLabels(Files.writeString(tmp.resolve("a.json"), "[\"yes\", \"no\"]")))
                .containsExactly("yes", "no");
        assertThat(ModelOptions.readLabels(Files.writeString(tmp.resolve("b.json"), "{\"no\": 1, \"yes\": 0}")))
                .containsExactly("yes", "no");
        assertThat(ModelOptions.readLabels(Files.writeString(tmp.resolve("answer2label.txt"),
                "{\"answer\": \"yes\", \"label\": 0}\n{\"answer\": \"no\", \"label\": 1}\n")))
                .containsExactly("yes", "no");
        assertThat(ModelOptions.readLabels(Files.writeString(tmp.resolve("c.txt"), "tench\ngoldfish\n\n")))
                .containsExactly("tench", "goldfish");
    }
}
