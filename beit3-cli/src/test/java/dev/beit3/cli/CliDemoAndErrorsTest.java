package dev.beit3.cli;

import static dev.beit3.cli.CliTasksTest.image;
import static dev.beit3.cli.CliTasksTest.run;
import static dev.beit3.cli.CliTasksTest.withModels;
import static org.assertj.core.api.Assertions.assertThat;

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
        Files.copy(Path.of(image("images/sample_00.png")), dir.resolve("a.png"));
        Files.copy(Path.of(image("images/sample_01.png")), dir.resolve("c.png"));
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
        CliTasksTest.Run r = run(withModels("nlvr2", image("images/sample_00.png"), image("images/sample_01.png"),
                "the left image has a red circle"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no nlvr2 model", "--checkpoint", "nlvr2.pth");
    }

    @Test
    void checkpointOfAnotherTaskIsBadInput() {
        CliTasksTest.Run r = run("vqa", "--checkpoint", demo.resolve("retrieval.pth").toString(), "--spm",
                demo.resolve("shapes.spm").toString(), "--heads", "4", image("images/sample_00.png"), "what?");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("is a retrieval checkpoint", "needs a vqa checkpoint");
    }

    @Test
    void officialCheckpointPathRunsWithExplicitSettings() {
        // the demo's VQA file through the --checkpoint path: head detected from its keys, labels from a file
        CliTasksTest.Run r = run("vqa", "--json", "--checkpoint", demo.resolve("vqa.pth").toString(), "--spm",
                demo.resolve("shapes.spm").toString(), "--heads", "4", "--max-text-length", "16", "--labels",
                demo.resolve("vqa_answers.json").toString(), image("images/sample_00.png"),
                "what shape is in the center?");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(new CliTasksTest.Run(0, r.out(), "").jsonLines().get(0).get("answer").getAsString())
                .isEqualTo("circle");
    }

    @Test
    void missingDemoModelsFolderIsBadInput() {
        CliTasksTest.Run r = run("caption", "--models", tmp.resolve("nowhere").toString(), image("images/sample_00.png"));
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
