package dev.beit3.cli;

import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code beit3 nlvr2 IMAGE_A IMAGE_B SENTENCE}: is the sentence true of the image pair (NLVR2 head). */
@Command(name = "nlvr2", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Judge whether a sentence is true of a pair of images (NLVR2).",
            "Needs an NLVR2 checkpoint: the demo models have none. Example:",
            "  beit3 nlvr2 --checkpoint beit3_base_patch16_224_nlvr2.pth --spm beit3.spm left.jpg right.jpg \"...\""})
final class Nlvr2Command implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE_A", description = "the left image")
    Path left;

    @Parameters(index = "1", paramLabel = "IMAGE_B", description = "the right image")
    Path right;

    @Parameters(index = "2", paramLabel = "SENTENCE", description = "the sentence to judge (quoted)")
    String sentence;

    @Mixin
    ModelOptions model;

    @Mixin
    CommonOptions common;

    Nlvr2Command() {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        return TaskRun.run(spec, model, common, "nlvr2", "nlvr2", () -> {
            for (Path p : List.of(left, right)) {
                if (!Files.isRegularFile(p)) {
                    throw new InvalidInputException("image file not found: " + p);
                }
            }
            return null;
        }, (m, none, out, err) -> {
            Verdict v = m.verify(List.of(m.readImage(left)), List.of(m.readImage(right)), List.of(sentence)).get(0);
            if (common.json) {
                JsonObject o = new JsonObject();
                o.addProperty("image_a", left.toString());
                o.addProperty("image_b", right.toString());
                o.addProperty("sentence", sentence);
                o.addProperty("true", v.holds());
                o.addProperty("probability_true", v.probabilityTrue());
                o.add("logits", Json.floats(v.logits()));
                out.println(Json.line(o));
            } else {
                out.printf(Locale.ROOT, "%s  (p(true)=%.4f)%n", v.holds() ? "true" : "false", v.probabilityTrue());
            }
            out.flush();
            return CliErrors.OK;
        });
    }
}
